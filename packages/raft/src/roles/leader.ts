import assert from 'node:assert';
import type { ConfChangeV2 } from '../confchange/conf-change.js';
import { decodeConfChange, decodeConfChangeV2, toConfChangeV2 } from '../confchange/conf-change.js';
import { isRaftError, proposalDropped, RaftError } from '../errors.js';
import { jointVoteResult } from '../quorum/joint.js';
import { VoteResult } from '../quorum/vote-result.js';
import type { Raft } from '../raft.js';
import { maxPendingReadIndex } from '../read-only.js';
import type { Progress } from '../tracker/progress.js';
import { ProgressState } from '../tracker/progress.js';
import {
  type Entry,
  EntryType,
  isEmptySnapshot,
  type Message,
  MessageType,
  type NodeId,
  None,
  newMessage,
  payloadSize,
  StateType,
} from '../types.js';

/** Leader set-up after becomeLeader's reset: self in replicate, a no-op entry of the new term. */
export function becomeLeaderState(r: Raft): void {
  const self = r.prs.progress.get(r.id)!;
  self.becomeReplicate();
  self.recentActive = true;
  // Conf changes already in the log may be unapplied: allow the next one only after them.
  r.pendingConfIndex = r.raftLog.lastIndex();
  // The empty entry commits the previous terms' entries (§5.4.2); its size is zero so it fits.
  const ok = r.appendEntry([{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }]);
  assert(ok, 'empty entry was dropped');
}

export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.electionTimeout) {
    r.electionElapsed = 0;
    if (r.checkQuorum) r.step(newMessage({ type: MessageType.MsgCheckQuorum, from: r.id }));
    // A transfer that did not complete within an election timeout is abandoned.
    if (r.leadTransferee !== None && r.state === StateType.Leader) r.abortLeaderTransfer();
  }
  if (r.state !== StateType.Leader) return;
  if (r.heartbeatElapsed >= r.heartbeatTimeout) {
    r.heartbeatElapsed = 0;
    r.step(newMessage({ type: MessageType.MsgBeat, from: r.id }));
  }
}

export function stepLeader(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.MsgBeat:
      bcastHeartbeat(r);
      return;
    case MessageType.MsgCheckQuorum:
      if (!r.prs.quorumActive()) {
        r.logger.warn({ id: r.id, term: r.term }, 'stepped down to follower since quorum is not active');
        r.becomeFollower(r.term, None);
      }
      // Everyone but us must prove activity again before the next check.
      r.prs.visit((id, pr) => {
        if (id !== r.id) pr.recentActive = false;
      });
      return;
    case MessageType.MsgProp:
      handleProposal(r, m);
      return;
    case MessageType.MsgReadIndex:
      if (r.readOnly.pendingCount() + r.pendingReadIndexMessages.length >= maxPendingReadIndex) {
        if (m.from === None || m.from === r.id) throw new RaftError('ReadIndexDropped', undefined, 'too-many-pending');
        r.logger.warn({ id: r.id, from: m.from }, 'dropping read index request: too many pending');
        return;
      }
      // A new leader does not know the commit index until an entry of its term commits (§6.4).
      // This holds for a single voter too: its commit index may have been lost in a crash.
      if (!r.committedEntryInCurrentTerm()) {
        r.pendingReadIndexMessages.push(m);
        return;
      }
      if (r.prs.isSingleton()) {
        const resp = responseToReadIndexReq(r, m, r.raftLog.committed);
        if (resp !== undefined) r.send(resp);
        return;
      }
      sendReadIndexResponse(r, m);
      return;
    case MessageType.MsgForgetLeader:
      return;
  }
  const pr = r.prs.progress.get(m.from);
  if (pr === undefined) {
    r.logger.debug({ id: r.id, from: m.from }, 'no progress available for peer');
    return;
  }
  switch (m.type) {
    case MessageType.MsgAppResp:
      handleAppendResponse(r, m, pr);
      return;
    case MessageType.MsgHeartbeatResp:
      handleHeartbeatResponse(r, m, pr);
      return;
    case MessageType.MsgSnapStatus:
      if (pr.state !== ProgressState.Snapshot) return;
      if (m.reject) pr.pendingSnapshot = 0;
      pr.becomeProbe();
      // Wait for a heartbeat response (or MsgAppResp) before the next append.
      pr.msgAppFlowPaused = true;
      return;
    case MessageType.MsgUnreachable:
      // Optimistic replication to an unreachable peer would lose messages: probe instead.
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      return;
    case MessageType.MsgTransferLeader:
      handleTransferLeader(r, m, pr);
      return;
  }
}

function handleProposal(r: Raft, m: Message): void {
  assert(m.entries.length > 0, `${r.id} stepped empty MsgProp`);
  if (!r.prs.progress.has(r.id)) throw proposalDropped('not-member');
  if (r.leadTransferee !== None) throw proposalDropped('transfer-in-progress');
  const ents: Entry[] = m.entries.slice();
  let pendingConfIndex = r.pendingConfIndex;
  for (let i = 0; i < ents.length; i++) {
    const e = ents[i]!;
    if (e.type === EntryType.Normal) continue;
    const cc: ConfChangeV2 =
      e.type === EntryType.ConfChange ? toConfChangeV2(decodeConfChange(e.data)) : decodeConfChangeV2(e.data);
    const refused = refuseConfChange(r, cc, pendingConfIndex);
    if (refused !== undefined) {
      // Replace it by a no-op so the proposer's index bookkeeping still lines up.
      r.logger.info({ id: r.id, reason: refused }, 'ignoring conf change');
      ents[i] = { term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) };
    } else {
      pendingConfIndex = r.raftLog.lastIndex() + i + 1;
    }
  }
  if (!r.appendEntry(ents)) throw proposalDropped('uncommitted-size-exceeded');
  r.pendingConfIndex = pendingConfIndex;
  bcastAppend(r);
}

/** Why a conf change must not be appended now (one at a time, joint rules), or undefined. */
function refuseConfChange(r: Raft, cc: ConfChangeV2, pendingConfIndex: number): string | undefined {
  const alreadyPending = pendingConfIndex > r.raftLog.applied;
  const alreadyJoint = r.prs.config.voters[1].size > 0;
  const wantsLeaveJoint = cc.changes.length === 0;
  if (alreadyPending) return `possible unapplied conf change at index ${pendingConfIndex}`;
  if (alreadyJoint && !wantsLeaveJoint) return 'must transition out of joint config first';
  if (!alreadyJoint && wantsLeaveJoint) return 'not in joint state; refusing empty conf change';
  return undefined;
}

function handleAppendResponse(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    // Fast back-off: skip every entry of a term the follower cannot have (rejectHint, logTerm).
    let nextProbeIdx = m.rejectHint;
    if (m.logTerm > 0) nextProbeIdx = r.raftLog.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbeIdx)) {
      r.logger.debug({ id: r.id, from: m.from, index: m.index }, 'received MsgAppResp rejection');
      if (pr.state === ProgressState.Replicate) pr.becomeProbe();
      maybeSendAppend(r, m.from, true);
    }
    return;
  }
  const oldPaused = pr.isPaused();
  // A probing follower acknowledging exactly its match is caught up: it may stream again.
  if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === ProgressState.Probe)) return;
  if (pr.state === ProgressState.Probe) {
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Snapshot && pr.match + 1 >= r.raftLog.firstIndex()) {
    // Caught up past the compaction point (e.g. via a snapshot or another leader): resume.
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === ProgressState.Replicate) {
    pr.inflights.freeLE(m.index);
  }
  if (r.maybeCommit()) {
    r.releasePendingReadIndexMessages();
    bcastAppend(r);
  } else if (m.from !== r.id && oldPaused) {
    maybeSendAppend(r, m.from, true);
  }
  if (m.from !== r.id) {
    // Fill the pipeline as far as the inflight window allows.
    while (maybeSendAppend(r, m.from, false)) {
      // keep sending
    }
  }
  if (m.from === r.leadTransferee && pr.match === r.raftLog.lastIndex()) {
    r.logger.info({ id: r.id, to: m.from }, 'sent MsgTimeoutNow after log caught up');
    sendTimeoutNow(r, m.from);
  }
}

function handleHeartbeatResponse(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.msgAppFlowPaused = false;
  if (pr.match < r.raftLog.lastIndex() || pr.state === ProgressState.Probe) maybeSendAppend(r, m.from, true);
  if (r.readOnly.option !== 'safe' || m.context.byteLength === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined || jointVoteResult(r.prs.config.voters, acks) !== VoteResult.Won) return;
  for (const rs of r.readOnly.advance(m.context)) {
    const resp = responseToReadIndexReq(r, rs.req, rs.index);
    if (resp !== undefined) r.send(resp);
  }
}

function handleTransferLeader(r: Raft, m: Message, pr: Progress): void {
  if (pr.isLearner) {
    r.logger.debug({ id: r.id, to: m.from }, 'ignored transferring leadership to a learner');
    return;
  }
  const transferee = m.from;
  if (r.leadTransferee !== None) {
    if (r.leadTransferee === transferee) return;
    r.abortLeaderTransfer();
  }
  if (transferee === r.id) return;
  // The transfer must complete within an election timeout, or it is aborted.
  r.electionElapsed = 0;
  r.leadTransferee = transferee;
  if (pr.match === r.raftLog.lastIndex()) sendTimeoutNow(r, transferee);
  else maybeSendAppend(r, transferee, true);
}

function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send(newMessage({ type: MessageType.MsgTimeoutNow, to }));
}

/** Sends a ReadIndex answer now (lease) or after a quorum-acknowledged heartbeat round (safe). */
export function sendReadIndexResponse(r: Raft, m: Message): void {
  if (r.readOnly.option === 'safe') {
    const ctx = m.entries[0]!.data;
    r.readOnly.addRequest(r.raftLog.committed, m);
    r.readOnly.recvAck(r.id, ctx);
    bcastHeartbeatWithCtx(r, ctx);
    return;
  }
  const resp = responseToReadIndexReq(r, m, r.raftLog.committed);
  if (resp !== undefined) r.send(resp);
}

/** Local requests become read states; forwarded ones get a MsgReadIndexResp. */
function responseToReadIndexReq(r: Raft, req: Message, readIndex: number): Message | undefined {
  if (req.from === None || req.from === r.id) {
    r.readStates.push({ index: readIndex, requestCtx: req.entries[0]!.data });
    return undefined;
  }
  return newMessage({ type: MessageType.MsgReadIndexResp, to: req.from, index: readIndex, entries: req.entries });
}

export function bcastAppend(r: Raft): void {
  r.prs.visit((id) => {
    if (id !== r.id) maybeSendAppend(r, id, true);
  });
}

function bcastHeartbeat(r: Raft): void {
  bcastHeartbeatWithCtx(r, r.readOnly.lastPendingRequestCtx());
}

function bcastHeartbeatWithCtx(r: Raft, ctx: Uint8Array | undefined): void {
  r.prs.visit((id, pr) => {
    if (id === r.id) return;
    // Never tell a follower to commit beyond what it is known to have.
    const commit = Math.min(pr.match, r.raftLog.committed);
    r.send(
      newMessage({ type: MessageType.MsgHeartbeat, to: id, commit, ...(ctx !== undefined ? { context: ctx } : {}) }),
    );
  });
}

/**
 * Sends the next MsgApp (or MsgSnap) to `to` if its progress allows. Returns whether a
 * message was sent. Empty appends (probes, commit updates) only when sendIfEmpty.
 */
export function maybeSendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  if (to === r.id) return false;
  const pr = r.prs.progress.get(to);
  if (pr === undefined || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  let prevTerm: number;
  let ents: Entry[];
  try {
    prevTerm = r.raftLog.term(prevIndex);
    // With a full window only an empty MsgApp goes out (after a heartbeat response): if the
    // inflight messages were all lost, its answer resets the window instead of stalling.
    ents = pr.state !== ProgressState.Replicate || !pr.inflights.full() ? r.raftLog.entries(pr.next, r.maxMsgSize) : [];
  } catch (e) {
    if (isRaftError(e, 'Compacted')) return sendSnapshot(r, to, pr);
    throw e;
  }
  if (ents.length === 0 && !sendIfEmpty) return false;
  r.send(
    newMessage({
      type: MessageType.MsgApp,
      to,
      index: prevIndex,
      logTerm: prevTerm,
      entries: ents,
      commit: r.raftLog.committed,
    }),
  );
  pr.sentEntries(ents.length, payloadSize(ents));
  return true;
}

function sendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  if (!pr.recentActive) {
    r.logger.debug({ id: r.id, to }, 'ignore sending snapshot since it is not recently active');
    return false;
  }
  let snap: ReturnType<Raft['raftLog']['snapshot']>;
  try {
    snap = r.raftLog.snapshot();
  } catch (e) {
    if (isRaftError(e, 'SnapshotTemporarilyUnavailable')) return false;
    throw e;
  }
  assert(!isEmptySnapshot(snap), 'need non-empty snapshot');
  r.logger.debug({ id: r.id, to, index: snap.metadata.index }, 'sending snapshot');
  pr.becomeSnapshot(snap.metadata.index);
  r.send(newMessage({ type: MessageType.MsgSnap, to, snapshot: snap }));
  return true;
}
