import type { NodeId } from '../types.js';
import { type AckedIndexer, VoteResult } from './vote-result.js';

/** A set of voters deciding by simple majority. */
export type MajorityConfig = ReadonlySet<NodeId>;

/**
 * The largest index acknowledged by a majority of the voters. An empty config commits
 * everything (Infinity) so that it is neutral inside a joint config's min().
 */
export function majorityCommittedIndex(voters: MajorityConfig, acked: AckedIndexer): number {
  const n = voters.size;
  if (n === 0) return Number.POSITIVE_INFINITY;
  const srt: number[] = new Array(n);
  let i = 0;
  for (const id of voters) srt[i++] = acked(id) ?? 0;
  // Insertion sort, ascending: voter sets are tiny.
  for (let a = 1; a < n; a++) {
    const v = srt[a]!;
    let b = a - 1;
    while (b >= 0 && srt[b]! > v) {
      srt[b + 1] = srt[b]!;
      b--;
    }
    srt[b + 1] = v;
  }
  // n - (n/2 + 1) is the position such that a majority is at or above it.
  return srt[n - (Math.floor(n / 2) + 1)]!;
}

/** Whether the recorded votes win, lose or are still pending. An empty config wins. */
export function majorityVoteResult(voters: MajorityConfig, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.size === 0) return VoteResult.Won;
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = Math.floor(voters.size / 2) + 1;
  if (granted >= q) return VoteResult.Won;
  if (granted + missing >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}
