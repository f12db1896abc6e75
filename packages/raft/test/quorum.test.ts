import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jointCommittedIndex, jointVoteResult } from '../src/quorum/joint.js';
import { majorityCommittedIndex, majorityVoteResult } from '../src/quorum/majority.js';
import { VoteResult } from '../src/quorum/vote-result.js';

// Deliberately naive models: try every candidate index / count the votes the long way.
function naiveCommitted(voters: bigint[], acked: Map<bigint, number>): number {
  if (voters.length === 0) return Number.POSITIVE_INFINITY;
  const q = Math.floor(voters.length / 2) + 1;
  let best = 0;
  const candidates = new Set<number>([0, ...voters.map((v) => acked.get(v) ?? 0)]);
  for (const c of candidates) {
    const n = voters.filter((v) => (acked.get(v) ?? 0) >= c).length;
    if (n >= q && c > best) best = c;
  }
  return best;
}

function naiveVote(voters: bigint[], votes: Map<bigint, boolean>): VoteResult {
  if (voters.length === 0) return VoteResult.Won;
  const q = Math.floor(voters.length / 2) + 1;
  const yes = voters.filter((v) => votes.get(v) === true).length;
  const no = voters.filter((v) => votes.get(v) === false).length;
  if (yes >= q) return VoteResult.Won;
  if (voters.length - no >= q) return VoteResult.Pending;
  return VoteResult.Lost;
}

const idSet = fc.uniqueArray(fc.bigInt({ min: 1n, max: 9n }), { maxLength: 7 });
const acks = fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 9n }), fc.nat({ max: 20 })), { maxLength: 12 });
const votes = fc.array(fc.tuple(fc.bigInt({ min: 1n, max: 9n }), fc.boolean()), { maxLength: 12 });

describe('quorum math against a naive model', () => {
  it('majority committed index equals the largest index a majority acknowledged', () => {
    fc.assert(
      fc.property(idSet, acks, (voters, a) => {
        const m = new Map(a);
        expect(majorityCommittedIndex(new Set(voters), (id) => m.get(id))).toBe(naiveCommitted(voters, m));
      }),
      { numRuns: 500 },
    );
  });

  it('joint committed index is the min of both halves', () => {
    fc.assert(
      fc.property(idSet, idSet, acks, (incoming, outgoing, a) => {
        const m = new Map(a);
        const expected = Math.min(naiveCommitted(incoming, m), naiveCommitted(outgoing, m));
        expect(jointCommittedIndex([new Set(incoming), new Set(outgoing)], (id) => m.get(id))).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('majority vote result matches counting', () => {
    fc.assert(
      fc.property(idSet, votes, (voters, v) => {
        const m = new Map(v);
        expect(majorityVoteResult(new Set(voters), m)).toBe(naiveVote(voters, m));
      }),
      { numRuns: 500 },
    );
  });

  it('joint vote result: won only if both won, lost if either lost', () => {
    fc.assert(
      fc.property(idSet, idSet, votes, (incoming, outgoing, v) => {
        const m = new Map(v);
        const r1 = naiveVote(incoming, m);
        const r2 = naiveVote(outgoing, m);
        const expected =
          r1 === VoteResult.Won && r2 === VoteResult.Won
            ? VoteResult.Won
            : r1 === VoteResult.Lost || r2 === VoteResult.Lost
              ? VoteResult.Lost
              : VoteResult.Pending;
        expect(jointVoteResult([new Set(incoming), new Set(outgoing)], m)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('concrete cases', () => {
    const m = new Map<bigint, number>([
      [1n, 5],
      [2n, 3],
      [3n, 1],
    ]);
    expect(majorityCommittedIndex(new Set([1n, 2n, 3n]), (id) => m.get(id))).toBe(3);
    expect(majorityCommittedIndex(new Set([1n, 2n, 3n, 4n]), (id) => m.get(id))).toBe(1);
    expect(jointCommittedIndex([new Set([1n, 2n]), new Set([2n, 3n])], (id) => m.get(id))).toBe(1);
  });
});
