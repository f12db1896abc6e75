import { etcdserverpb } from '@coreos-ts/proto';
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/errors.js';
import { del, get, memoryStore, put } from './helpers.js';

const compact = (revision: bigint) => etcdserverpb.CompactionRequest.create({ revision });

describe('Compact', () => {
  it('keeps the latest version at or before the revision and refuses reads below it', async () => {
    const store = await memoryStore();
    put(store, 'a', '1'); // 2
    put(store, 'a', '2'); // 3
    put(store, 'b', '1'); // 4
    del(store, 'b'); // 5
    put(store, 'a', '3'); // 6
    expect(store.compact(compact(4n)).header?.revision).toBe(6n);
    expect(store.compactRevision()).toBe(4n);
    expect(get(store, 'a', { revision: 4n }).kvs[0]?.value.toString()).toBe('2');
    expect(get(store, 'b', { revision: 4n }).kvs[0]?.value.toString()).toBe('1');
    expect(get(store, 'a', { revision: 5n }).kvs[0]?.version).toBe(2n);
    expect(() => get(store, 'a', { revision: 3n })).toThrow(new KvError('Compacted'));
    expect(() => store.compact(compact(4n))).toThrowError('etcdserver: mvcc: required revision has been compacted');
    expect(() => store.compact(compact(3n))).toThrow(new KvError('Compacted'));
    expect(() => store.compact(compact(7n))).toThrowError('etcdserver: mvcc: required revision is a future revision');
    store.compact(compact(5n));
    expect(get(store, 'b', { revision: 5n }).kvs).toEqual([]);
    expect(get(store, 'a').kvs[0]?.version).toBe(3n);
    // versions survive compaction of the older revisions
    put(store, 'a', '4');
    expect(get(store, 'a').kvs[0]?.version).toBe(4n);
    expect(get(store, 'a').kvs[0]?.createRevision).toBe(2n);
  });

  it('drops compacted revisions from the backend', async () => {
    const store = await memoryStore();
    put(store, 'a', '1');
    put(store, 'a', '2');
    del(store, 'a');
    const before = store.hashKV(0n).hash;
    store.compact(compact(4n));
    expect(store.index.size).toBe(0);
    expect(store.hashKV(0n).hash).not.toBe(before);
    expect(store.hashKV(0n).compactRevision).toBe(4n);
  });

  it('HashKV is equal for equal histories and checks revision bounds', async () => {
    const s1 = await memoryStore();
    const s2 = await memoryStore();
    for (const s of [s1, s2]) {
      put(s, 'a', '1');
      put(s, 'b', '2');
      del(s, 'a');
    }
    expect(s1.hashKV(0n).hash).toBe(s2.hashKV(0n).hash);
    expect(s1.hashKV(3n).hash).toBe(s2.hashKV(3n).hash);
    expect(s1.hashKV(3n).hash).not.toBe(s1.hashKV(4n).hash);
    expect(s1.hashKV(3n).hashRevision).toBe(3n);
    put(s2, 'c', '3');
    expect(s1.hashKV(0n).hash).not.toBe(s2.hashKV(0n).hash);
    expect(() => s1.hashKV(9n)).toThrow(new KvError('FutureRev'));
    s1.compact(compact(3n));
    expect(() => s1.hashKV(2n)).toThrow(new KvError('Compacted'));
  });
});
