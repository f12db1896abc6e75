import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdserverpb } from '@coreos-ts/proto';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelBackend } from '../../src/mvcc/level-backend.js';
import { MvccStore } from '../../src/mvcc/mvcc-store.js';
import { WriteBuffer } from '../../src/mvcc/write-buffer.js';
import { b, del, FakeLeases, get, put } from './helpers.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kv-mvcc-'));
  dirs.push(dir);
  return dir;
}

function snapshot(store: MvccStore, pastRevision = 5n) {
  const all = { rangeEnd: b('\0') };
  return {
    rev: store.currentRevision(),
    compact: store.compactRevision(),
    index: store.consistentIndex(),
    hash: store.hashKV(0n).hash,
    latest: get(store, '\0', all).kvs,
    past: get(store, '\0', { ...all, revision: pastRevision }).kvs,
  };
}

describe('restart from LevelDB', () => {
  it('rebuilds the same state, consistentIndex and lease attachments', async () => {
    const dir = await tempDir();
    const leases = new FakeLeases([42n]);
    let backend = await LevelBackend.open(dir);
    let store = await MvccStore.open(new WriteBuffer(backend), { leases });
    put(store, 'a', '1'); // 2
    put(store, 'b', '1', { lease: 42n }); // 3
    store.setConsistentIndex(10n);
    await store.flush();
    put(store, 'a', '2'); // 4
    del(store, 'b'); // 5
    put(store, 'c', '1', { lease: 42n }); // 6
    put(store, 'a', '3'); // 7
    del(store, 'a'); // 8
    store.compact(etcdserverpb.CompactionRequest.create({ revision: 5n }));
    store.setConsistentIndex(11n);
    const flushed = store.flush();
    // reads see the staged batch before it lands
    expect(get(store, 'c').kvs[0]?.value.toString()).toBe('1');
    await flushed;
    const before = snapshot(store);
    await backend.close();

    backend = await LevelBackend.open(dir);
    const leases2 = new FakeLeases([42n]);
    store = await MvccStore.open(new WriteBuffer(backend), { leases: leases2 });
    expect(snapshot(store)).toEqual(before);
    expect(before.rev).toBe(8n);
    expect(before.index).toBe(11n);
    expect(before.compact).toBe(5n);
    expect([...(leases2.attached.get(42n) ?? [])]).toEqual(['c']);
    // the next write continues the revision sequence and the versions
    put(store, 'c', '2');
    expect(get(store, 'c').kvs[0]).toMatchObject({ version: 2n, createRevision: 6n, modRevision: 9n });
    await backend.close();
  });

  it('a batch that never reached the disk leaves the previous consistentIndex', async () => {
    const dir = await tempDir();
    let backend = await LevelBackend.open(dir);
    let store = await MvccStore.open(new WriteBuffer(backend));
    put(store, 'a', '1');
    store.setConsistentIndex(3n);
    await store.flush();
    put(store, 'a', '2');
    store.setConsistentIndex(4n); // staged, not flushed: a crash here
    await backend.close();
    backend = await LevelBackend.open(dir);
    store = await MvccStore.open(new WriteBuffer(backend));
    expect(store.consistentIndex()).toBe(3n);
    expect(store.currentRevision()).toBe(2n);
    expect(get(store, 'a').kvs[0]?.value.toString()).toBe('1');
    await backend.close();
  });

  it('revision stays at the compaction revision when compaction dropped the last write', async () => {
    const dir = await tempDir();
    let backend = await LevelBackend.open(dir);
    let store = await MvccStore.open(new WriteBuffer(backend));
    put(store, 'a', '1');
    del(store, 'a');
    store.compact(etcdserverpb.CompactionRequest.create({ revision: 3n }));
    await store.flush();
    await backend.close();
    backend = await LevelBackend.open(dir);
    store = await MvccStore.open(new WriteBuffer(backend));
    expect(store.currentRevision()).toBe(3n);
    expect(put(store, 'a', 'x').header?.revision).toBe(4n);
    await backend.close();
  });

  it('resumes a compaction whose deletes were cut short, and finishes it in chunks', async () => {
    const dir = await tempDir();
    const config = { maxTxnOps: 128, compactionBatchMax: 3 };
    let backend = await LevelBackend.open(dir);
    let store = await MvccStore.open(new WriteBuffer(backend), { config });
    for (let i = 0; i < 5; i++) put(store, `k${i}`, 'a'); // 2..6
    for (let i = 0; i < 5; i++) del(store, `k${i}`); // 7..11
    put(store, 'k0', 'b'); // 12
    store.compact(etcdserverpb.CompactionRequest.create({ revision: 11n }));
    expect(store.compactionPending()).toBe(10);
    await store.flush(); // deletes 3 of 10, e.g. puts whose tombstones survive for now
    expect(store.compactionPending()).toBe(7);
    const before = snapshot(store, 11n);
    await backend.close();

    backend = await LevelBackend.open(dir);
    store = await MvccStore.open(new WriteBuffer(backend), { config });
    expect(snapshot(store, 11n)).toEqual(before);
    expect(store.compactRevision()).toBe(11n);
    expect(store.compactionPending()).toBe(7);
    for (let i = 0; i < 5 && store.compactionPending() > 0; i++) await store.flush();
    expect(store.compactionPending()).toBe(0);
    let rows = 0;
    for await (const _ of backend.entries({ gte: Buffer.from('k'), lt: Buffer.from('l') })) rows += 1;
    expect(rows).toBe(1); // only k0@12 is left
    await backend.close();

    backend = await LevelBackend.open(dir);
    store = await MvccStore.open(new WriteBuffer(backend), { config });
    expect(store.compactionPending()).toBe(0);
    expect(snapshot(store, 11n)).toEqual(before);
    await backend.close();
  });
});
