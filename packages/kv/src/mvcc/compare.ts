// Txn compares with etcd's semantics: a compare over a range holds when it holds for every
// key in it; a missing key compares as a zero KeyValue (version/create/mod/lease 0), except
// that a VALUE compare on a missing key is always false.

import { etcdserverpb, mvccpb } from '@coreos-ts/proto';

const Target = etcdserverpb.Compare_CompareTarget;
const Result = etcdserverpb.Compare_CompareResult;

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareOne(c: etcdserverpb.Compare, kv: mvccpb.KeyValue): boolean {
  let r: number;
  switch (c.target) {
    case Target.VERSION:
      r = cmpBig(kv.version, c.version ?? 0n);
      break;
    case Target.CREATE:
      r = cmpBig(kv.createRevision, c.createRevision ?? 0n);
      break;
    case Target.MOD:
      r = cmpBig(kv.modRevision, c.modRevision ?? 0n);
      break;
    case Target.VALUE:
      r = Buffer.compare(kv.value, c.value ?? Buffer.alloc(0));
      break;
    case Target.LEASE:
      r = cmpBig(kv.lease, c.lease ?? 0n);
      break;
    default:
      return false;
  }
  switch (c.result) {
    case Result.EQUAL:
      return r === 0;
    case Result.NOT_EQUAL:
      return r !== 0;
    case Result.GREATER:
      return r > 0;
    case Result.LESS:
      return r < 0;
    default:
      return false;
  }
}

/** Evaluates one compare against the kvs its key/range_end selects. */
export function evaluateCompare(c: etcdserverpb.Compare, kvs: readonly mvccpb.KeyValue[]): boolean {
  if (kvs.length === 0) {
    if (c.target === Target.VALUE) return false;
    return compareOne(c, mvccpb.KeyValue.create({ key: c.key }));
  }
  return kvs.every((kv) => compareOne(c, kv));
}
