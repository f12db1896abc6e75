// What etcd does to a range result after reading it: revision filters, sort (with etcd's
// defaults: a non-KEY target without an order sorts ascending; KEY ascending is the natural
// order), limit with `more`, keys_only.

import { etcdserverpb, type mvccpb } from '@coreos-ts/proto';

const { SortOrder, SortTarget } = {
  SortOrder: etcdserverpb.RangeRequest_SortOrder,
  SortTarget: etcdserverpb.RangeRequest_SortTarget,
};

/** Whether the whole range must be read before the limit can be applied. */
export function needsFullRead(req: etcdserverpb.RangeRequest): boolean {
  return (
    req.sortOrder !== SortOrder.NONE ||
    req.minModRevision !== 0n ||
    req.maxModRevision !== 0n ||
    req.minCreateRevision !== 0n ||
    req.maxCreateRevision !== 0n
  );
}

function keep(req: etcdserverpb.RangeRequest, kv: mvccpb.KeyValue): boolean {
  if (req.maxModRevision !== 0n && kv.modRevision > req.maxModRevision) return false;
  if (req.minModRevision !== 0n && kv.modRevision < req.minModRevision) return false;
  if (req.minCreateRevision !== 0n && kv.createRevision < req.minCreateRevision) return false;
  if (req.maxCreateRevision !== 0n && kv.createRevision > req.maxCreateRevision) return false;
  return true;
}

function cmpBig(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function comparator(target: etcdserverpb.RangeRequest_SortTarget): (a: mvccpb.KeyValue, b: mvccpb.KeyValue) => number {
  switch (target) {
    case SortTarget.VERSION:
      return (a, b) => cmpBig(a.version, b.version);
    case SortTarget.CREATE:
      return (a, b) => cmpBig(a.createRevision, b.createRevision);
    case SortTarget.MOD:
      return (a, b) => cmpBig(a.modRevision, b.modRevision);
    case SortTarget.VALUE:
      return (a, b) => Buffer.compare(a.value, b.value);
    default:
      return (a, b) => Buffer.compare(a.key, b.key);
  }
}

export interface ShapedRange {
  readonly kvs: mvccpb.KeyValue[];
  readonly more: boolean;
}

/** Applies filters, sort, limit and keys_only to kvs read in ascending key order. */
export function shapeRange(req: etcdserverpb.RangeRequest, read: mvccpb.KeyValue[]): ShapedRange {
  let kvs = read.filter((kv) => keep(req, kv));
  let order = req.sortOrder;
  if (req.sortTarget !== SortTarget.KEY && order === SortOrder.NONE) order = SortOrder.ASCEND;
  else if (req.sortTarget === SortTarget.KEY && order === SortOrder.ASCEND) order = SortOrder.NONE;
  if (order !== SortOrder.NONE) {
    const cmp = comparator(req.sortTarget);
    kvs.sort(order === SortOrder.DESCEND ? (a, b) => cmp(b, a) : cmp);
  }
  let more = false;
  if (req.limit > 0n && BigInt(kvs.length) > req.limit) {
    kvs = kvs.slice(0, Number(req.limit));
    more = true;
  }
  if (req.keysOnly) kvs = kvs.map((kv) => ({ ...kv, value: Buffer.alloc(0) }));
  return { kvs, more };
}
