import { type ChangeResult, Changer } from './confchange/changer.js';
import {
  type ConfChange,
  type ConfChangeV2,
  enterJoint,
  leaveJoint,
  toConfChangeV2,
} from './confchange/conf-change.js';
import { restoreConfState } from './confchange/restore.js';
import type { Raft } from './raft.js';
import { bcastAppend, maybeSendAppend } from './roles/leader.js';
import { type ConfState, None, type Snapshot, StateType } from './types.js';

/** Applies a committed conf change (simple, enter joint or leave joint); returns the new ConfState. */
export function applyConfChange(r: Raft, cc: ConfChange | ConfChangeV2): ConfState {
  const v2 = toConfChangeV2(cc);
  const changer = new Changer(r.prs, r.raftLog.lastIndex());
  let res: ChangeResult;
  if (leaveJoint(v2)) {
    res = changer.leaveJoint();
  } else {
    const j = enterJoint(v2);
    res = j.joint ? changer.enterJoint(j.autoLeave, v2.changes) : changer.simple(v2.changes);
  }
  return switchToConfig(r, res);
}

/** Installs a new configuration and reacts to it (step down, commit, replicate). */
export function switchToConfig(r: Raft, res: ChangeResult): ConfState {
  r.prs.config = res.config;
  r.prs.progress = res.progress;
  const cs = r.prs.confState();
  const pr = r.prs.progress.get(r.id);
  r.isLearner = pr?.isLearner ?? false;
  if ((pr === undefined || r.isLearner) && r.state === StateType.Leader) {
    // Removed or demoted: the leader keeps leading until it is shut down, unless told to
    // step down now. Before stepping down it tells the remaining members the commit index,
    // so that they learn the change committed and can elect a leader in the new config.
    if (r.stepDownOnRemoval) {
      bcastAppend(r);
      r.becomeFollower(r.term, None);
    }
    return cs;
  }
  if (r.state !== StateType.Leader || cs.voters.length === 0) return cs;
  // The new configuration may commit at once (a smaller quorum) or need replication.
  if (r.maybeCommit()) {
    r.releasePendingReadIndexMessages();
    bcastAppend(r);
  } else {
    r.prs.visit((id) => {
      if (id !== r.id) maybeSendAppend(r, id, false);
    });
  }
  if (r.leadTransferee !== None && !r.prs.config.voters[0].has(r.leadTransferee)) r.abortLeaderTransfer();
  return cs;
}

/** Installs a snapshot from the leader; false if it is stale or already covered. */
export function restoreSnapshot(r: Raft, s: Snapshot): boolean {
  const meta = s.metadata;
  if (meta.index <= r.raftLog.committed) return false;
  if (r.state !== StateType.Follower) {
    // Defensive: only followers receive snapshots; never let a leader lose its log.
    r.becomeFollower(r.term + 1, None);
    return false;
  }
  const cs = meta.confState;
  const member = [cs.voters, cs.learners, cs.votersOutgoing].some((ids) => ids.includes(r.id));
  if (!member) {
    r.logger.warn({ id: r.id, index: meta.index }, 'attempted to restore snapshot but it is not in the ConfState');
    return false;
  }
  if (r.raftLog.matchTerm(meta.index, meta.term)) {
    // We already have the entry: fast-forward the commit index instead.
    r.raftLog.commitTo(meta.index);
    return false;
  }
  r.raftLog.restore(s);
  switchToConfig(r, restoreConfState(r.prs, cs, r.raftLog.lastIndex()));
  const pr = r.prs.progress.get(r.id)!;
  pr.maybeUpdate(pr.next - 1);
  r.logger.info({ id: r.id, index: meta.index, term: meta.term }, 'restored snapshot');
  return true;
}
