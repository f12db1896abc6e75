import { etcdserverpb } from '@coreos-ts/proto';
import { describe, expect, it } from 'vitest';
import { isKvError, KvError } from '../../src/errors.js';
import { b, FakeLeases, get, memoryStore, put } from './helpers.js';

const { CompareResult: R, CompareTarget: T } = {
  CompareResult: etcdserverpb.Compare_CompareResult,
  CompareTarget: etcdserverpb.Compare_CompareTarget,
};

const putOp = (key: string, value: string): etcdserverpb.RequestOp => ({
  requestPut: etcdserverpb.PutRequest.create({ key: b(key), value: b(value) }),
});
const delOp = (key: string, rangeEnd = ''): etcdserverpb.RequestOp => ({
  requestDeleteRange: etcdserverpb.DeleteRangeRequest.create({ key: b(key), rangeEnd: b(rangeEnd) }),
});
const getOp = (key: string, rangeEnd = ''): etcdserverpb.RequestOp => ({
  requestRange: etcdserverpb.RangeRequest.create({ key: b(key), rangeEnd: b(rangeEnd) }),
});
const txnOp = (req: Partial<etcdserverpb.TxnRequest>): etcdserverpb.RequestOp => ({
  requestTxn: etcdserverpb.TxnRequest.create(req),
});
const cmp = (
  key: string,
  target: etcdserverpb.Compare_CompareTarget,
  result: etcdserverpb.Compare_CompareResult,
  v: Partial<etcdserverpb.Compare>,
) => etcdserverpb.Compare.create({ key: b(key), target, result, ...v });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isKvError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe('Put', () => {
  it('returns prev_kv only when asked', async () => {
    const store = await memoryStore();
    expect(put(store, 'k', 'v1', { prevKv: true }).prevKv).toBeUndefined();
    expect(put(store, 'k', 'v2').prevKv).toBeUndefined();
    const resp = put(store, 'k', 'v3', { prevKv: true });
    expect(resp.prevKv?.value.toString()).toBe('v2');
    expect(resp.header?.revision).toBe(4n);
  });

  it('ignore_value and ignore_lease keep the old ones; on a missing key they fail with KeyNotFound', async () => {
    const leases = new FakeLeases([7n, 8n]);
    const store = await memoryStore(leases);
    expect(codeOf(() => put(store, 'k', '', { ignoreValue: true }))).toBe('KeyNotFound');
    expect(codeOf(() => put(store, 'k', 'x', { ignoreLease: true }))).toBe('KeyNotFound');
    expect(store.currentRevision()).toBe(1n);
    put(store, 'k', 'v', { lease: 7n });
    put(store, 'k', '', { ignoreValue: true, lease: 8n });
    let kv = get(store, 'k').kvs[0];
    expect([kv?.value.toString(), kv?.lease]).toEqual(['v', 8n]);
    expect(leases.attached.get(7n)?.has('k')).toBe(false);
    expect(leases.attached.get(8n)?.has('k')).toBe(true);
    put(store, 'k', 'w', { ignoreLease: true });
    kv = get(store, 'k').kvs[0];
    expect([kv?.value.toString(), kv?.lease, kv?.version]).toEqual(['w', 8n, 3n]);
  });

  it('validates flags with etcd texts', async () => {
    const store = await memoryStore(new FakeLeases([1n]));
    expect(() => put(store, 'k', 'x', { ignoreValue: true })).toThrowError('etcdserver: value is provided');
    expect(() => put(store, 'k', '', { ignoreLease: true, lease: 1n })).toThrowError('etcdserver: lease is provided');
    expect(() => put(store, '', 'x')).toThrowError('etcdserver: key is not provided');
    expect(() => put(store, 'k', 'x', { lease: 99n })).toThrowError('etcdserver: requested lease not found');
    expect(store.currentRevision()).toBe(1n);
  });
});

describe('Txn', () => {
  it('chooses success or failure by compares, one revision for all writes', async () => {
    const store = await memoryStore();
    put(store, 'a', '1'); // rev 2
    const resp = store.txn(
      etcdserverpb.TxnRequest.create({
        compare: [cmp('a', T.VALUE, R.EQUAL, { value: b('1') }), cmp('a', T.MOD, R.EQUAL, { modRevision: 2n })],
        success: [putOp('b', '2'), putOp('c', '3'), getOp('b')],
        failure: [putOp('x', 'no')],
      }),
    );
    expect(resp.succeeded).toBe(true);
    expect(resp.header?.revision).toBe(3n);
    expect(resp.responses[0]?.responsePut?.header?.revision).toBe(3n);
    expect(resp.responses[2]?.responseRange?.kvs[0]?.value.toString()).toBe('2');
    expect(get(store, 'b').kvs[0]?.modRevision).toBe(3n);
    expect(get(store, 'c').kvs[0]?.modRevision).toBe(3n);
    const fail = store.txn(
      etcdserverpb.TxnRequest.create({
        compare: [cmp('a', T.VERSION, R.GREATER, { version: 1n })],
        success: [putOp('y', 'no')],
        failure: [putOp('x', 'yes')],
      }),
    );
    expect(fail.succeeded).toBe(false);
    expect(get(store, 'x').kvs[0]?.value.toString()).toBe('yes');
    expect(get(store, 'y').kvs).toEqual([]);
  });

  it('read-only txns do not bump the revision', async () => {
    const store = await memoryStore();
    put(store, 'a', '1');
    const resp = store.txn(etcdserverpb.TxnRequest.create({ success: [getOp('a')] }));
    expect(resp.header?.revision).toBe(2n);
    expect(store.currentRevision()).toBe(2n);
  });

  it.each([
    ['missing key: version = 0', cmp('nope', T.VERSION, R.EQUAL, { version: 0n }), true],
    ['missing key: create = 0', cmp('nope', T.CREATE, R.EQUAL, { createRevision: 0n }), true],
    ['missing key: value compare is false', cmp('nope', T.VALUE, R.NOT_EQUAL, { value: b('x') }), false],
    ['value less', cmp('a', T.VALUE, R.LESS, { value: b('2') }), true],
    ['lease equal 0', cmp('a', T.LEASE, R.EQUAL, { lease: 0n }), true],
    ['range: all versions are 1', cmp('a', T.VERSION, R.EQUAL, { version: 1n, rangeEnd: b('c') }), true],
    ['range: not all mods > 2', cmp('a', T.MOD, R.GREATER, { modRevision: 2n, rangeEnd: b('c') }), false],
    ['unset target value compares with zero', cmp('a', T.CREATE, R.GREATER, {}), true],
  ])('compare %s', async (_name, c, want) => {
    const store = await memoryStore();
    put(store, 'a', '1');
    put(store, 'b', '1');
    const resp = store.txn(etcdserverpb.TxnRequest.create({ compare: [c] }));
    expect(resp.succeeded).toBe(want);
  });

  it('nested txns decide on the state before the outer txn and share its revision', async () => {
    const store = await memoryStore();
    const resp = store.txn(
      etcdserverpb.TxnRequest.create({
        success: [
          putOp('a', '1'),
          txnOp({
            compare: [cmp('a', T.VERSION, R.EQUAL, { version: 0n })],
            success: [putOp('b', 'saw-none')],
            failure: [putOp('b', 'saw-a')],
          }),
        ],
      }),
    );
    expect(resp.responses[1]?.responseTxn?.succeeded).toBe(true);
    expect(get(store, 'b').kvs[0]?.value.toString()).toBe('saw-none');
    expect(get(store, 'b').kvs[0]?.modRevision).toBe(2n);
    expect(resp.responses[1]?.responseTxn?.header?.revision).toBe(0n); // etcd leaves nested headers empty
    expect(resp.responses[1]?.responseTxn?.responses[0]?.responsePut?.header?.revision).toBe(2n);
  });

  it.each([
    ['two puts of a key', [putOp('a', '1'), putOp('a', '2')], 'DuplicateKey'],
    ['put inside a delete range', [delOp('a', 'c'), putOp('b', '1')], 'DuplicateKey'],
    ['put covered by a from-key delete', [delOp('a', '\0'), putOp('zz', '1')], 'DuplicateKey'],
    ['nested put and outer put', [putOp('a', '1'), txnOp({ success: [putOp('a', '2')] })], 'DuplicateKey'],
    [
      'nested then/else may put the same key',
      [txnOp({ success: [putOp('a', '1')], failure: [putOp('a', '2')] })],
      undefined,
    ],
    ['overlapping deletes are fine', [delOp('a', 'c'), delOp('b')], undefined],
    ['nested delete covers an outer put', [putOp('b', '1'), txnOp({ failure: [delOp('a', 'c')] })], 'DuplicateKey'],
  ])('write-set check: %s', async (_name, success, want) => {
    const store = await memoryStore();
    const got = codeOf(() => store.txn(etcdserverpb.TxnRequest.create({ success })));
    expect(got).toBe(want);
  });

  it('refuses an op with no request like etcd 3.4 ("key not found")', async () => {
    const store = await memoryStore();
    expect(() => store.txn(etcdserverpb.TxnRequest.create({ success: [{}] }))).toThrowError(
      'etcdserver: key not found',
    );
  });

  it('refuses too many ops, and errors leave no trace', async () => {
    const store = await memoryStore();
    const success = Array.from({ length: 129 }, (_, i) => putOp(`k${i}`, 'v'));
    expect(() => store.txn(etcdserverpb.TxnRequest.create({ success }))).toThrow(new KvError('TooManyOps'));
    expect(() =>
      store.txn(
        etcdserverpb.TxnRequest.create({
          success: [putOp('a', '1'), { requestRange: etcdserverpb.RangeRequest.create({ key: b('a'), revision: 5n }) }],
        }),
      ),
    ).toThrow(new KvError('FutureRev'));
    expect(store.currentRevision()).toBe(1n);
    expect(get(store, 'a').kvs).toEqual([]);
  });

  it('a delete then reads inside the txn see the txn writes', async () => {
    const store = await memoryStore();
    put(store, 'a', '1');
    put(store, 'b', '1');
    const resp = store.txn(etcdserverpb.TxnRequest.create({ success: [delOp('a'), getOp('a', 'z')] }));
    expect(resp.responses[0]?.responseDeleteRange?.deleted).toBe(1n);
    expect(resp.responses[1]?.responseRange?.kvs.map((kv) => kv.key.toString())).toEqual(['b']);
    expect(resp.responses[1]?.responseRange?.header?.revision).toBe(4n);
  });
});
