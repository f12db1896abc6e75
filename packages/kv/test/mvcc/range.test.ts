import { etcdserverpb } from '@coreos-ts/proto';
import { beforeEach, describe, expect, it } from 'vitest';
import { KvError } from '../../src/errors.js';
import type { MvccStore } from '../../src/mvcc/mvcc-store.js';
import { b, del, get, keysOf, memoryStore, put } from './helpers.js';

const { SortOrder, SortTarget } = {
  SortOrder: etcdserverpb.RangeRequest_SortOrder,
  SortTarget: etcdserverpb.RangeRequest_SortTarget,
};

describe('Range', () => {
  let store: MvccStore;
  beforeEach(async () => {
    store = await memoryStore();
    // revisions: a=2, b=3, c=4, foo=5, foo/bar=6, fop=7, a again=8 (version 2)
    for (const [k, v] of [
      ['a', 'z'],
      ['b', 'y'],
      ['c', 'x'],
      ['foo', '1'],
      ['foo/bar', '2'],
      ['fop', '3'],
      ['a', 'w'],
    ] as const) {
      put(store, k, v);
    }
  });

  it('starts at revision 1 and counts one revision per put', async () => {
    const fresh = await memoryStore();
    expect(fresh.currentRevision()).toBe(1n);
    expect(store.currentRevision()).toBe(8n);
    expect(get(store, 'a').header?.revision).toBe(8n);
  });

  it('reads a single key with its revisions and version', () => {
    const resp = get(store, 'a');
    expect(resp.count).toBe(1n);
    const kv = resp.kvs[0];
    expect(kv?.value.toString()).toBe('w');
    expect(kv?.createRevision).toBe(2n);
    expect(kv?.modRevision).toBe(8n);
    expect(kv?.version).toBe(2n);
    expect(get(store, 'nope').kvs).toEqual([]);
    expect(get(store, 'nope').count).toBe(0n);
  });

  it.each([
    ['half-open interval', 'b', 'foo', ['b', 'c']],
    ['from key ("\\0")', 'foo', '\0', ['foo', 'foo/bar', 'fop']],
    ['prefix end', 'foo', 'fop', ['foo', 'foo/bar']],
    ['everything ("\\0", "\\0")', '\0', '\0', ['a', 'b', 'c', 'foo', 'foo/bar', 'fop']],
    ['end before key', 'c', 'b', []],
  ])('%s', (_name, key, rangeEnd, want) => {
    expect(keysOf(get(store, key, { rangeEnd: b(rangeEnd) }))).toEqual(want);
  });

  it('applies limit with more and the full count', () => {
    const resp = get(store, '\0', { rangeEnd: b('\0'), limit: 2n });
    expect(keysOf(resp)).toEqual(['a', 'b']);
    expect(resp.more).toBe(true);
    expect(resp.count).toBe(6n);
    const all = get(store, '\0', { rangeEnd: b('\0'), limit: 6n });
    expect(all.more).toBe(false);
    expect(all.kvs).toHaveLength(6);
  });

  it('count_only returns the count and no kvs; keys_only drops values', () => {
    const c = get(store, 'a', { rangeEnd: b('d'), countOnly: true });
    expect(c.kvs).toEqual([]);
    expect(c.count).toBe(3n);
    const k = get(store, 'a', { rangeEnd: b('d'), keysOnly: true });
    expect(keysOf(k)).toEqual(['a', 'b', 'c']);
    expect(k.kvs.every((kv) => kv.value.length === 0)).toBe(true);
    expect(k.kvs[0]?.modRevision).toBe(8n);
  });

  it.each([
    ['key descend', SortOrder.DESCEND, SortTarget.KEY, ['c', 'b', 'a']],
    ['key ascend', SortOrder.ASCEND, SortTarget.KEY, ['a', 'b', 'c']],
    ['value with no order defaults to ascend', SortOrder.NONE, SortTarget.VALUE, ['a', 'c', 'b']],
    ['mod descend', SortOrder.DESCEND, SortTarget.MOD, ['a', 'c', 'b']],
    ['create ascend', SortOrder.ASCEND, SortTarget.CREATE, ['a', 'b', 'c']],
    ['version descend (stable on ties)', SortOrder.DESCEND, SortTarget.VERSION, ['a', 'b', 'c']],
  ])('sorts: %s', (_name, sortOrder, sortTarget, want) => {
    expect(keysOf(get(store, 'a', { rangeEnd: b('d'), sortOrder, sortTarget }))).toEqual(want);
  });

  it('sorts before limiting', () => {
    const resp = get(store, 'a', { rangeEnd: b('d'), sortOrder: SortOrder.DESCEND, limit: 1n });
    expect(keysOf(resp)).toEqual(['c']);
    expect(resp.more).toBe(true);
  });

  it('filters on mod and create revisions, count stays the total', () => {
    const all = { rangeEnd: b('\0') };
    expect(keysOf(get(store, '\0', { ...all, minModRevision: 6n }))).toEqual(['a', 'foo/bar', 'fop']);
    expect(keysOf(get(store, '\0', { ...all, maxModRevision: 4n }))).toEqual(['b', 'c']);
    expect(keysOf(get(store, '\0', { ...all, minCreateRevision: 4n, maxCreateRevision: 5n }))).toEqual(['c', 'foo']);
    expect(get(store, '\0', { ...all, minModRevision: 6n }).count).toBe(6n);
  });

  it('reads at a past revision', () => {
    expect(get(store, 'a', { revision: 2n }).kvs[0]?.value.toString()).toBe('z');
    expect(keysOf(get(store, '\0', { rangeEnd: b('\0'), revision: 4n }))).toEqual(['a', 'b', 'c']);
    expect(get(store, 'a', { revision: 1n }).kvs).toEqual([]);
    expect(get(store, 'a', { revision: 2n }).header?.revision).toBe(8n);
  });

  it('refuses future revisions and empty keys with etcd errors', () => {
    expect(() => get(store, 'a', { revision: 9n })).toThrow(new KvError('FutureRev'));
    expect(() => get(store, '')).toThrowError('etcdserver: key is not provided');
    expect(() => get(store, 'a', { sortOrder: 7 as etcdserverpb.RangeRequest_SortOrder })).toThrowError(
      'etcdserver: invalid sort option',
    );
  });

  it('sees deletes as absent from their revision on, and present before', () => {
    const resp = del(store, 'b', '', true);
    expect(resp.deleted).toBe(1n);
    expect(resp.prevKvs[0]?.value.toString()).toBe('y');
    expect(resp.header?.revision).toBe(9n);
    expect(get(store, 'b').kvs).toEqual([]);
    expect(get(store, 'b', { revision: 8n }).kvs).toHaveLength(1);
    put(store, 'b', 'again');
    const kv = get(store, 'b').kvs[0];
    expect(kv?.createRevision).toBe(10n);
    expect(kv?.version).toBe(1n);
  });

  it('deleting nothing does not bump the revision', () => {
    const resp = del(store, 'zzz');
    expect(resp.deleted).toBe(0n);
    expect(resp.header?.revision).toBe(8n);
    expect(store.currentRevision()).toBe(8n);
  });

  it('deletes ranges with one revision and increasing subs', () => {
    const resp = del(store, 'foo', 'fop');
    expect(resp.deleted).toBe(2n);
    expect(store.currentRevision()).toBe(9n);
    expect(keysOf(get(store, 'f', { rangeEnd: b('g') }))).toEqual(['fop']);
  });
});
