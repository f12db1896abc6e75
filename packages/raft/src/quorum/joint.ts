import type { NodeId } from '../types.js';
import { type MajorityConfig, majorityCommittedIndex, majorityVoteResult } from './majority.js';
import { type AckedIndexer, VoteResult } from './vote-result.js';

/**
 * Two majority configs: [incoming, outgoing]. Outside a joint configuration the
 * outgoing set is empty. Decisions need a majority in both.
 */
export type JointConfig = readonly [MajorityConfig, MajorityConfig];

export function jointCommittedIndex(c: JointConfig, acked: AckedIndexer): number {
  return Math.min(majorityCommittedIndex(c[0], acked), majorityCommittedIndex(c[1], acked));
}

export function jointVoteResult(c: JointConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const r1 = majorityVoteResult(c[0], votes);
  const r2 = majorityVoteResult(c[1], votes);
  if (r1 === r2) return r1;
  if (r1 === VoteResult.Lost || r2 === VoteResult.Lost) return VoteResult.Lost;
  return VoteResult.Pending;
}

/** All voter IDs of a joint config, sorted ascending. */
export function jointIds(c: JointConfig): NodeId[] {
  const s = new Set<NodeId>(c[0]);
  for (const id of c[1]) s.add(id);
  return sortIds(s);
}

export function sortIds(ids: Iterable<NodeId>): NodeId[] {
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
