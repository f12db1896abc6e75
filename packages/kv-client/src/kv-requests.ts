import { etcdserverpb } from '@coreos-ts/proto';
import { type Bytes, rangeEndFor, toBigInt, toBuffer } from './bytes.js';
import type { DeleteOptions, PutOptions, RangeOptions, SortOrder, SortTarget } from './kv-types.js';

const SORT_ORDER: Record<SortOrder, etcdserverpb.RangeRequest_SortOrder> = {
  none: etcdserverpb.RangeRequest_SortOrder.NONE,
  ascend: etcdserverpb.RangeRequest_SortOrder.ASCEND,
  descend: etcdserverpb.RangeRequest_SortOrder.DESCEND,
};

const SORT_TARGET: Record<SortTarget, etcdserverpb.RangeRequest_SortTarget> = {
  key: etcdserverpb.RangeRequest_SortTarget.KEY,
  version: etcdserverpb.RangeRequest_SortTarget.VERSION,
  create: etcdserverpb.RangeRequest_SortTarget.CREATE,
  mod: etcdserverpb.RangeRequest_SortTarget.MOD,
  value: etcdserverpb.RangeRequest_SortTarget.VALUE,
};

export function rangeRequest(key: Bytes, options: RangeOptions = {}): etcdserverpb.RangeRequest {
  const keyBuffer = toBuffer(key);
  return etcdserverpb.RangeRequest.fromPartial({
    key: keyBuffer,
    rangeEnd: rangeEndFor(keyBuffer, options),
    limit: toBigInt(options.limit),
    revision: toBigInt(options.revision),
    sortOrder: SORT_ORDER[options.sortOrder ?? 'none'],
    sortTarget: SORT_TARGET[options.sortTarget ?? 'key'],
    serializable: options.serializable ?? false,
    keysOnly: options.keysOnly ?? false,
    countOnly: options.countOnly ?? false,
    minModRevision: toBigInt(options.minModRevision),
    maxModRevision: toBigInt(options.maxModRevision),
    minCreateRevision: toBigInt(options.minCreateRevision),
    maxCreateRevision: toBigInt(options.maxCreateRevision),
  });
}

export function putRequest(key: Bytes, value: Bytes, options: PutOptions = {}): etcdserverpb.PutRequest {
  return etcdserverpb.PutRequest.fromPartial({
    key: toBuffer(key),
    value: toBuffer(value),
    lease: toBigInt(options.lease),
    prevKv: options.prevKv ?? false,
    ignoreValue: options.ignoreValue ?? false,
    ignoreLease: options.ignoreLease ?? false,
  });
}

export function deleteRequest(key: Bytes, options: DeleteOptions = {}): etcdserverpb.DeleteRangeRequest {
  const keyBuffer = toBuffer(key);
  return etcdserverpb.DeleteRangeRequest.fromPartial({
    key: keyBuffer,
    rangeEnd: rangeEndFor(keyBuffer, options),
    prevKv: options.prevKv ?? false,
  });
}
