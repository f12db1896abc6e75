import { hup, pastElectionTimeout, promotable } from '../election.js';
import { proposalDropped } from '../errors.js';
import { restoreSnapshot } from '../membership.js';
import type { Raft } from '../raft.js';
import { type Message, MessageType, None, newMessage } from '../types.js';

/** Followers and candidates count ticks towards an election. */
export function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (promotable(r) && pastElectionTimeout(r)) {
    r.electionElapsed = 0;
    r.step(newMessage({ type: MessageType.MsgHup, from: r.id }));
  }
}

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case MessageType.MsgProp:
      if (r.lead === None) throw proposalDropped('no-leader');
      if (r.disableProposalForwarding) throw proposalDropped('forwarding-disabled');
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgApp:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppendEntries(r, m);
      return;
    case MessageType.MsgHeartbeat:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case MessageType.MsgSnap:
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshot(r, m);
      return;
    case MessageType.MsgTransferLeader:
      if (r.lead === None) {
        r.logger.info({ id: r.id, term: r.term }, 'no leader; dropping leader transfer msg');
        return;
      }
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgForgetLeader:
      if (r.readOnly.option === 'lease-based') {
        r.logger.warn({ id: r.id }, 'ignoring MsgForgetLeader due to lease-based reads');
        return;
      }
      r.lead = None;
      return;
    case MessageType.MsgTimeoutNow:
      // The leader asked us to campaign now, even inside its lease (leadership transfer).
      hup(r, 'transfer');
      return;
    case MessageType.MsgReadIndex:
      if (r.lead === None) {
        r.logger.info({ id: r.id, term: r.term }, 'no leader; dropping index reading msg');
        return;
      }
      r.send({ ...m, to: r.lead });
      return;
    case MessageType.MsgReadIndexResp:
      if (m.entries.length !== 1) {
        r.logger.warn({ id: r.id, from: m.from, entries: m.entries.length }, 'invalid format of MsgReadIndexResp');
        return;
      }
      r.readStates.push({ index: m.index, requestCtx: m.entries[0]!.data });
      return;
  }
}

export function handleAppendEntries(r: Raft, m: Message): void {
  if (m.index < r.raftLog.committed) {
    r.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.committed }));
    return;
  }
  const last = r.raftLog.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (last !== undefined) {
    r.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: last }));
    return;
  }
  // Reject with a hint: the largest index <= m.index whose term is <= m.logTerm, so the
  // leader can skip whole terms instead of one entry per round trip.
  const hint = r.raftLog.findConflictByTerm(Math.min(m.index, r.raftLog.lastIndex()), m.logTerm);
  r.logger.debug({ id: r.id, index: m.index, logTerm: m.logTerm, hint: hint.index }, 'rejected MsgApp');
  r.send(
    newMessage({
      type: MessageType.MsgAppResp,
      to: m.from,
      index: m.index,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
    }),
  );
}

export function handleHeartbeat(r: Raft, m: Message): void {
  r.raftLog.commitTo(m.commit);
  r.send(newMessage({ type: MessageType.MsgHeartbeatResp, to: m.from, context: m.context }));
}

export function handleSnapshot(r: Raft, m: Message): void {
  const s = m.snapshot;
  if (s === undefined) return;
  if (restoreSnapshot(r, s)) {
    r.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.lastIndex() }));
  } else {
    r.send(newMessage({ type: MessageType.MsgAppResp, to: m.from, index: r.raftLog.committed }));
  }
}
