import { VoteResult } from './quorum/vote-result.js';
import type { Raft } from './raft.js';
import { EntryType, type Message, MessageType, type NodeId, None, newMessage, StateType } from './types.js';

/** Marks vote requests of a leadership transfer: they bypass the leader lease. */
export const campaignTransfer = new TextEncoder().encode('CampaignTransfer');

export type CampaignType = 'pre-election' | 'election' | 'transfer';

/** Whether a node may campaign: a voter with no snapshot pending. */
export function promotable(r: Raft): boolean {
  const pr = r.prs.progress.get(r.id);
  return pr !== undefined && !pr.isLearner && !r.raftLog.hasPendingSnapshot();
}

export function pastElectionTimeout(r: Raft): boolean {
  return r.electionElapsed >= r.randomizedElectionTimeout;
}

/** Starts a campaign unless leading, unpromotable or with committed conf changes not yet applied. */
export function hup(r: Raft, t: CampaignType): void {
  if (r.state === StateType.Leader) return;
  if (!promotable(r)) {
    r.logger.warn({ id: r.id }, 'is unpromotable and can not campaign');
    return;
  }
  if (hasUnappliedConfChanges(r)) {
    r.logger.warn({ id: r.id, term: r.term }, 'cannot campaign since there are unapplied conf changes');
    return;
  }
  campaign(r, t);
}

function hasUnappliedConfChanges(r: Raft): boolean {
  const log = r.raftLog;
  if (log.applied >= log.committed) return false;
  const lo = Math.max(log.applied + 1, log.firstIndex());
  if (lo > log.committed) return false;
  for (const e of log.slice(lo, log.committed + 1, Number.MAX_SAFE_INTEGER)) {
    if (e.type !== EntryType.Normal) return true;
  }
  return false;
}

/** Becomes (pre-)candidate, votes for itself and asks every other voter (§5.2). */
export function campaign(r: Raft, t: CampaignType): void {
  if (!promotable(r)) return;
  let voteMsg: MessageType;
  let term: number;
  if (t === 'pre-election') {
    r.becomePreCandidate();
    voteMsg = MessageType.MsgPreVote;
    term = r.term + 1; // what we would campaign with, without bumping our own term
  } else {
    r.becomeCandidate();
    voteMsg = MessageType.MsgVote;
    term = r.term;
  }
  const respType = voteMsg === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
  if (poll(r, r.id, respType, true) === VoteResult.Won) {
    // A single-voter config wins at once.
    if (t === 'pre-election') campaign(r, 'election');
    else r.becomeLeader();
    return;
  }
  const index = r.raftLog.lastIndex();
  const logTerm = r.raftLog.lastTerm();
  for (const id of r.prs.voterNodes()) {
    if (id === r.id) continue;
    r.send(
      newMessage({
        type: voteMsg,
        to: id,
        term,
        index,
        logTerm,
        ...(t === 'transfer' ? { context: campaignTransfer } : {}),
      }),
    );
  }
}

/** Records a vote and returns the election's result so far. */
export function poll(r: Raft, id: NodeId, t: MessageType, granted: boolean): VoteResult {
  r.logger.debug({ id: r.id, from: id, type: MessageType[t], granted, term: r.term }, 'received vote');
  r.prs.recordVote(id, granted);
  return r.prs.tallyVotes().result;
}

/** Grants a (pre-)vote to a candidate whose log is at least as up-to-date as ours (§5.4.1). */
export function handleVoteRequest(r: Raft, m: Message): void {
  const respType = m.type === MessageType.MsgVote ? MessageType.MsgVoteResp : MessageType.MsgPreVoteResp;
  const canVote =
    r.vote === m.from || (r.vote === None && r.lead === None) || (m.type === MessageType.MsgPreVote && m.term > r.term);
  if (canVote && r.raftLog.isUpToDate(m.index, m.logTerm)) {
    // The response carries the request's term so a pre-candidate can count it.
    r.send(newMessage({ type: respType, to: m.from, term: m.term }));
    if (m.type === MessageType.MsgVote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send(newMessage({ type: respType, to: m.from, term: r.term, reject: true }));
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}
