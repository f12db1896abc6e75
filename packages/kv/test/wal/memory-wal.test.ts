import { describe, expect, it } from 'vitest';
import { createMemoryWal, openMemoryWal } from '../../src/wal/memory-wal.js';
import { isWalError } from '../../src/wal/wal-errors.js';
import { entries, meta } from './helpers.js';

describe('memory wal', () => {
  it('releaseTo drops records but keeps the newest hardState and the entries after the marker', async () => {
    const { wal, store } = createMemoryWal(meta);
    await wal.save({ term: 2, vote: 5n, commit: 50 }, entries(1, 100));
    await wal.saveSnapshotMarker({ index: 60, term: 2 });
    const before = store.records.length;
    await wal.releaseTo(80);
    expect(store.records.length).toBeLessThan(before);
    expect(store.records.length).toBeGreaterThanOrEqual(40 + 1 + 1);
    await wal.close();
    const { replay } = await openMemoryWal(store);
    expect(replay.hardState).toEqual({ term: 2, vote: 5n, commit: 50 });
    expect(replay.snapshot).toEqual({ index: 60, term: 2 });
    expect(replay.entries.map((e) => e.index)).toEqual(Array.from({ length: 40 }, (_, i) => 61 + i));
  });

  it('copies entry data and refuses a second open of the same store', async () => {
    const { wal, store } = createMemoryWal(meta);
    const e = entries(1, 1);
    await wal.save(null, e);
    e[0]?.data.fill(0);
    const err = await openMemoryWal(store).catch((x: unknown) => x);
    expect(isWalError(err, 'invalid-argument')).toBe(true);
    await wal.close();
    const { replay } = await openMemoryWal(store);
    expect(Array.from(replay.entries[0]?.data ?? [])).toEqual(Array.from(entries(1, 1)[0]?.data ?? []));
  });
});
