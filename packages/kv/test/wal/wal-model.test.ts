// Property test: random saves (with overwrites), snapshot markers, releases and reopens on
// both WALs must replay exactly what a deliberately naive model says.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createFileWal, openFileWal } from '../../src/wal/file-wal-open.js';
import { createMemoryWal, type MemoryWalStore, openMemoryWal } from '../../src/wal/memory-wal.js';
import type { Entry, HardState } from '../../src/wal/raft-types.js';
import type { SnapshotMarker, Wal, WalReplay } from '../../src/wal/wal-types.js';
import { meta, payload, useTempDirs, view, walConfig } from './helpers.js';

/** The naive model: the whole log as an array indexed by entry index. */
class Model {
  log: Entry[] = [];
  last = 0;
  marker: SnapshotMarker = { index: 0, term: 0 };
  hardState: HardState = { term: 0, vote: 0n, commit: 0 };

  save(hs: HardState | null, es: Entry[]): void {
    const first = es[0];
    if (first !== undefined) {
      this.log.length = first.index;
      for (const e of es) this.log[e.index] = e;
      this.last = es[es.length - 1]?.index ?? this.last;
    }
    if (hs !== null) this.hardState = hs;
  }

  mark(m: SnapshotMarker): void {
    this.marker = m;
    if (m.index > this.last) this.last = m.index;
  }

  replay(): Pick<WalReplay, 'hardState' | 'entries' | 'snapshot'> {
    const entries: Entry[] = [];
    for (let i = this.marker.index + 1; i <= this.last; i++) entries.push(this.log[i] as Entry);
    return { hardState: this.hardState, entries, snapshot: this.marker };
  }
}

const op = fc.record({
  kind: fc.constantFrom('save', 'save', 'save', 'marker', 'release', 'reopen'),
  a: fc.nat(),
  b: fc.nat({ max: 12 }),
  term: fc.nat({ max: 5 }),
  withHardState: fc.boolean(),
});

interface Subject {
  wal: Wal;
  reopen(): Promise<WalReplay>;
}

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

async function run(ops: Op[], subject: Subject): Promise<void> {
  const model = new Model();
  let term = 1;
  for (const o of ops) {
    term += o.term === 0 ? 1 : 0;
    if (o.kind === 'save') {
      const lo = model.marker.index + 1;
      // Mostly appends, sometimes an overwrite of a random suffix.
      const start = o.a % 10 < 7 ? Math.max(lo, model.last + 1) : lo + (o.a % (model.last + 2 - lo));
      const es: Entry[] = [];
      for (let i = start; i < start + o.b; i++)
        es.push({ term, index: i, type: i % 3, data: payload(i, term, (i * 37) % 300) });
      const hs = o.withHardState ? { term, vote: BigInt(o.a % 4), commit: Math.min(model.last, o.a % 50) } : null;
      await subject.wal.save(hs, es);
      model.save(hs, es);
    } else if (o.kind === 'marker') {
      const m = { index: model.marker.index + (o.a % (model.last + 4 - model.marker.index)), term };
      await subject.wal.saveSnapshotMarker(m);
      model.mark(m);
    } else if (o.kind === 'release') {
      await subject.wal.releaseTo(o.a % (model.last + 1));
    } else {
      const replay = await subject.reopen();
      expect(replay.snapshot).toEqual(model.replay().snapshot);
      expect(view(replay.entries)).toEqual(view(model.replay().entries));
    }
    expect(subject.wal.lastIndex()).toBe(model.last);
  }
  const replay = await subject.reopen();
  const want = model.replay();
  expect(replay.hardState).toEqual(want.hardState);
  expect(replay.snapshot).toEqual(want.snapshot);
  expect(view(replay.entries)).toEqual(view(want.entries));
  await subject.wal.close();
}

describe('wal vs a naive model', () => {
  const tempDir = useTempDirs();

  it('memory wal', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), async (ops) => {
        const made = createMemoryWal(meta);
        const store: MemoryWalStore = made.store;
        const subject: Subject = {
          wal: made.wal,
          async reopen() {
            await subject.wal.close();
            const r = await openMemoryWal(store);
            subject.wal = r.wal;
            return r.replay;
          },
        };
        await run(ops, subject);
      }),
      { numRuns: 300 },
    );
  });

  it('file wal (small segments, so cuts and releases delete files)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 80, size: 'max' }), async (ops) => {
        const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
        const subject: Subject = {
          wal: await createFileWal(cfg, meta),
          async reopen() {
            await subject.wal.close();
            const r = await openFileWal(cfg, { metadata: meta });
            subject.wal = r.wal;
            return r.replay;
          },
        };
        await run(ops, subject);
      }),
      { numRuns: 40 },
    );
    // thousands of real fdatasyncs: on a disk shared with the cluster tests this takes minutes
  }, 240_000);
});
