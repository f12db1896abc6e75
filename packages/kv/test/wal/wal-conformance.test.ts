// One suite, run against both WAL implementations: the semantics the server relies on.

import { describe, expect, it } from 'vitest';
import { createFileWal, openFileWal } from '../../src/wal/file-wal-open.js';
import { createMemoryWal, type MemoryWalStore, openMemoryWal } from '../../src/wal/memory-wal.js';
import { isWalError, WalMetadataMismatchError } from '../../src/wal/wal-errors.js';
import type { Wal, WalMetadata, WalOpenExpectations, WalReplay } from '../../src/wal/wal-types.js';
import { entries, meta, useTempDirs, view, walConfig } from './helpers.js';

interface Harness {
  create(metadata: WalMetadata): Promise<Wal>;
  reopen(expect?: WalOpenExpectations): Promise<{ wal: Wal; replay: WalReplay }>;
}

type HarnessFactory = (tempDir: () => Promise<string>) => Harness;

const memory: HarnessFactory = () => {
  let store: MemoryWalStore | null = null;
  return {
    async create(metadata) {
      const made = createMemoryWal(metadata, 4096);
      store = made.store;
      return made.wal;
    },
    reopen(expect) {
      if (store === null) throw new Error('create first');
      return openMemoryWal(store, expect, 4096);
    },
  };
};

const file: HarnessFactory = (tempDir) => {
  let dataDir: string | null = null;
  // Small segments so the suite crosses segment cuts too.
  const config = (d: string) => walConfig(d, { segmentBytes: 4096, maxRecordBytes: 4096 + 24 });
  return {
    async create(metadata) {
      dataDir = await tempDir();
      return createFileWal(config(dataDir), metadata);
    },
    reopen(expect) {
      if (dataDir === null) throw new Error('create first');
      return openFileWal(config(dataDir), expect);
    },
  };
};

describe.each([
  ['memory', memory],
  ['file', file],
] as const)('Wal conformance: %s', (_name, factory) => {
  const tempDir = useTempDirs();

  async function cycle(h: Harness, wal: Wal, expect?: WalOpenExpectations) {
    await wal.close();
    return h.reopen(expect);
  }

  it('replays metadata, the last hardState and all entries', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save({ term: 1, vote: 3n, commit: 0 }, entries(1, 5));
    await wal.save({ term: 1, vote: 3n, commit: 4 }, entries(6, 40, 1, 100));
    await wal.save(null, entries(41, 41));
    expect(wal.lastIndex()).toBe(41);
    const { wal: again, replay } = await cycle(h, wal, { metadata: meta });
    expect(replay.metadata).toEqual(meta);
    expect(replay.hardState).toEqual({ term: 1, vote: 3n, commit: 4 });
    expect(view(replay.entries)).toEqual(view([...entries(1, 5), ...entries(6, 40, 1, 100), ...entries(41, 41)]));
    expect(replay.snapshot).toEqual({ index: 0, term: 0 });
    expect(again.lastIndex()).toBe(41);
    await again.close();
  });

  it('a fresh wal replays empty', async () => {
    const h = factory(tempDir);
    const { replay } = await cycle(h, await h.create(meta));
    expect(replay).toEqual({
      metadata: meta,
      hardState: { term: 0, vote: 0n, commit: 0 },
      entries: [],
      snapshot: { index: 0, term: 0 },
    });
  });

  it('later entries overwrite a suffix, across reopens', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save({ term: 1, vote: 1n, commit: 2 }, entries(1, 10, 1));
    await wal.save({ term: 2, vote: 2n, commit: 2 }, entries(4, 6, 2));
    expect(wal.lastIndex()).toBe(6);
    const r1 = await cycle(h, wal);
    expect(view(r1.replay.entries)).toEqual(view([...entries(1, 3, 1), ...entries(4, 6, 2)]));
    await r1.wal.save(null, entries(7, 8, 2));
    await r1.wal.save(null, entries(2, 2, 3));
    const r2 = await cycle(h, r1.wal);
    expect(view(r2.replay.entries)).toEqual(view([...entries(1, 1, 1), ...entries(2, 2, 3)]));
    expect(r2.replay.hardState).toEqual({ term: 2, vote: 2n, commit: 2 });
    await r2.wal.close();
  });

  it('replays from the newest snapshot marker', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save({ term: 1, vote: 1n, commit: 10 }, entries(1, 10));
    await wal.saveSnapshotMarker({ index: 4, term: 1 });
    await wal.saveSnapshotMarker({ index: 7, term: 1 });
    await wal.save(null, entries(11, 12));
    const { wal: again, replay } = await cycle(h, wal);
    expect(replay.snapshot).toEqual({ index: 7, term: 1 });
    expect(replay.entries.map((e) => e.index)).toEqual([8, 9, 10, 11, 12]);
    await again.close();
  });

  it('replays from an older marker on request, and refuses an unknown one', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save(null, entries(1, 10));
    await wal.saveSnapshotMarker({ index: 4, term: 1 });
    await wal.saveSnapshotMarker({ index: 7, term: 1 });
    const older = await cycle(h, wal, { snapshot: { index: 4, term: 1 } });
    expect(older.replay.snapshot).toEqual({ index: 4, term: 1 });
    expect(older.replay.entries.map((e) => e.index)).toEqual([5, 6, 7, 8, 9, 10]);
    await older.wal.close();
    const err = await h.reopen({ snapshot: { index: 5, term: 1 } }).catch((e: unknown) => e);
    expect(isWalError(err, 'snapshot-not-found')).toBe(true);
  });

  it('a marker beyond the last entry (snapshot install) restarts the log after it', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save({ term: 1, vote: 0n, commit: 3 }, entries(1, 3));
    await wal.saveSnapshotMarker({ index: 100, term: 5 });
    expect(wal.lastIndex()).toBe(100);
    await wal.save({ term: 5, vote: 0n, commit: 100 }, entries(101, 102, 5));
    const { wal: again, replay } = await cycle(h, wal);
    expect(replay.snapshot).toEqual({ index: 100, term: 5 });
    expect(view(replay.entries)).toEqual(view(entries(101, 102, 5)));
    expect(again.lastIndex()).toBe(102);
    await again.close();
  });

  it('releaseTo keeps everything replay needs', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    for (let i = 1; i <= 200; i += 10) await wal.save({ term: 1, vote: 1n, commit: i }, entries(i, i + 9, 1, 64));
    await wal.saveSnapshotMarker({ index: 120, term: 1 });
    await wal.save(null, entries(201, 210, 1, 64));
    await wal.saveSnapshotMarker({ index: 205, term: 1 });
    await wal.releaseTo(150); // releases up to the marker at 120, keeps it
    const { wal: again, replay } = await cycle(h, wal, { snapshot: { index: 120, term: 1 } });
    expect(replay.entries.map((e) => e.index)).toEqual(Array.from({ length: 90 }, (_, i) => 121 + i));
    expect(replay.hardState).toEqual({ term: 1, vote: 1n, commit: 191 });
    await again.close();
    const newest = await h.reopen();
    expect(newest.replay.snapshot).toEqual({ index: 205, term: 1 });
    expect(newest.replay.entries.map((e) => e.index)).toEqual([206, 207, 208, 209, 210]);
    await newest.wal.close();
  });

  it('refuses a wal written for another member', async () => {
    const h = factory(tempDir);
    await (await h.create(meta)).close();
    const err = await h.reopen({ metadata: { clusterId: meta.clusterId, memberId: 1n } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalMetadataMismatchError);
    expect((err as WalMetadataMismatchError).found).toEqual(meta);
  });

  it('rejects gaps, bad entries, oversized records and backward markers, and stays usable', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save(null, entries(1, 3));
    const code = (p: Promise<unknown>) =>
      p.then(
        () => 'resolved',
        (e: unknown) => (isWalError(e) ? e.code : String(e)),
      );
    expect(await code(wal.save(null, entries(5, 6)))).toBe('invalid-argument');
    expect(await code(wal.save(null, [...entries(4, 4), ...entries(6, 6)]))).toBe('invalid-argument');
    expect(await code(wal.save(null, [{ term: 1, index: 4, type: 7, data: new Uint8Array() }]))).toBe(
      'invalid-argument',
    );
    expect(await code(wal.save(null, entries(4, 4, 1, 5000)))).toBe('record-too-large');
    expect(await code(wal.save({ term: -1, vote: 0n, commit: 0 }, []))).toBe('invalid-argument');
    await wal.saveSnapshotMarker({ index: 2, term: 1 });
    expect(await code(wal.saveSnapshotMarker({ index: 1, term: 1 }))).toBe('invalid-argument');
    expect(await code(wal.save(null, entries(2, 2)))).toBe('invalid-argument');
    await wal.save(null, entries(4, 4));
    const { wal: again, replay } = await cycle(h, wal);
    expect(replay.entries.map((e) => e.index)).toEqual([3, 4]);
    await again.close();
    expect(await code(again.save(null, entries(5, 5)))).toBe('closed');
  });

  it('an empty save is a no-op and hardState alone is kept', async () => {
    const h = factory(tempDir);
    const wal = await h.create(meta);
    await wal.save(null, []);
    await wal.save({ term: 9, vote: (1n << 64n) - 1n, commit: 0 }, []);
    const { wal: again, replay } = await cycle(h, wal);
    expect(replay.hardState).toEqual({ term: 9, vote: (1n << 64n) - 1n, commit: 0 });
    expect(replay.entries).toEqual([]);
    await again.close();
  });
});
