import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KeyHistory } from '../../src/mvcc/key-history.js';
import type { Revision } from '../../src/mvcc/revision.js';

// The naive model: every life of the key as a list of revision objects (what KeyHistory
// packs into one array of numbers).
interface Life {
  created: bigint;
  ver: number;
  revs: { rev: Revision; tombstone: boolean }[];
}

class Model {
  lives: Life[] = [{ created: 0n, ver: 0, revs: [] }];
  get open(): Life {
    return this.lives[this.lives.length - 1] as Life;
  }
  put(rev: Revision): void {
    if (this.open.revs.length === 0) this.open.created = rev.main;
    this.open.revs.push({ rev, tombstone: false });
    this.open.ver += 1;
  }
  tombstone(rev: Revision): void {
    this.open.revs.push({ rev, tombstone: true });
    this.lives.push({ created: 0n, ver: 0, revs: [] });
  }
  at(main: bigint): { rev: Revision; created: bigint; version: number } | undefined {
    const life = [...this.lives].reverse().find((l) => l.revs.length > 0 && (l.revs[0]?.rev.main ?? 0n) <= main);
    if (life === undefined) return undefined;
    const seen = life.revs.filter((r) => r.rev.main <= main);
    const last = seen[seen.length - 1];
    if (last === undefined || last.tombstone) return undefined;
    const laterPuts = life.revs.filter((r) => r.rev.main > main && !r.tombstone).length;
    return { rev: last.rev, created: life.created, version: life.ver - laterPuts };
  }
  compact(main: bigint): { removed: string[]; empty: boolean } {
    const removed: string[] = [];
    const kept: Life[] = [];
    for (const life of this.lives) {
      const last = life.revs[life.revs.length - 1];
      if (last?.tombstone && last.rev.main <= main) {
        for (const r of life.revs) removed.push(show(r.rev, r.tombstone));
        continue;
      }
      const keepFrom = Math.max(0, life.revs.filter((r) => r.rev.main <= main).length - 1);
      for (const r of life.revs.slice(0, keepFrom)) removed.push(show(r.rev, r.tombstone));
      kept.push({ ...life, revs: life.revs.slice(keepFrom) });
    }
    this.lives = kept;
    return { removed, empty: kept.length === 1 && this.open.revs.length === 0 };
  }
  revisions(): string[] {
    return this.lives.flatMap((l) => l.revs.map((r) => show(r.rev, r.tombstone)));
  }
}

function show(rev: Revision, tombstone: boolean): string {
  return `${rev.main}_${rev.sub}${tombstone ? 't' : ''}`;
}

const opArb = fc.oneof(
  { weight: 5, arbitrary: fc.tuple(fc.constant('put' as const), fc.integer({ min: 0, max: 3 })) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('tombstone' as const), fc.integer({ min: 0, max: 3 })) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('compact' as const), fc.integer({ min: 0, max: 40 })) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('skip' as const), fc.integer({ min: 1, max: 5 })) },
);

describe('KeyHistory against a list of lives', () => {
  it('agrees on at, revisions, lastRevision and compaction', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 120 }), fc.constantFrom(1, 2 ** 31 - 20, 2 ** 40), (ops, base) => {
        const hist = new KeyHistory();
        const model = new Model();
        let main = BigInt(base);
        let compacted = BigInt(base) - 1n;
        for (const [op, n] of ops) {
          if (op === 'put' || op === 'tombstone') {
            main += 1n;
            const rev = { main, sub: n };
            if (op === 'put') {
              hist.put(rev);
              model.put(rev);
            } else if (hist.isLive()) {
              hist.tombstone(rev);
              model.tombstone(rev);
            }
          } else if (op === 'skip') {
            main += BigInt(n);
          } else {
            const at = main - BigInt(n);
            if (at <= compacted) continue;
            compacted = at;
            const removed: string[] = [];
            const empty = hist.compact(at, (rev, tombstone) => removed.push(show(rev, tombstone)));
            const want = model.compact(at);
            expect(removed).toEqual(want.removed);
            expect(empty).toBe(want.empty);
          }
          expect(hist.isLive()).toBe(model.open.revs.length > 0);
          const all = model.revisions();
          expect([...hist.revisions()].map((r) => show(r.rev, r.tombstone))).toEqual(all);
          const last = hist.lastRevision();
          expect(last === undefined ? undefined : [...hist.revisions()].at(-1)?.rev).toEqual(last);
        }
        for (let m = compacted; m <= main + 1n; m++) expect(hist.at(m)).toEqual(model.at(m));
      }),
      { numRuns: 300 },
    );
  });

  it('replays a tombstone whose puts a cut-short compaction already deleted as a life of its own', () => {
    const hist = new KeyHistory();
    hist.tombstoneRestored(5, 0);
    hist.putRestored(7, 1, 7, 1);
    expect([...hist.revisions()].map((r) => show(r.rev, r.tombstone))).toEqual(['5_0t', '7_1']);
    expect(hist.at(6n)).toBeUndefined();
    expect(hist.at(7n)).toEqual({ rev: { main: 7n, sub: 1 }, created: 7n, version: 1 });
    const removed: string[] = [];
    expect(hist.compact(6n, (rev, tombstone) => removed.push(show(rev, tombstone)))).toBe(false);
    expect(removed).toEqual(['5_0t']);
    expect(hist.lastRevision()).toEqual({ main: 7n, sub: 1 });
  });
});
