import type { etcdserverpb, mvccpb } from '@coreos-ts/proto';

/** Which member answered, and the store's revision when it did. */
export interface Header {
  clusterId: bigint;
  memberId: bigint;
  revision: bigint;
  raftTerm: bigint;
}

export function toHeader(header: etcdserverpb.ResponseHeader | undefined): Header {
  return {
    clusterId: header?.clusterId ?? 0n,
    memberId: header?.memberId ?? 0n,
    revision: header?.revision ?? 0n,
    raftTerm: header?.raftTerm ?? 0n,
  };
}

/** A stored key with its value and revisions; Buffers, with UTF-8 helpers. */
export class KeyValue {
  readonly key: Buffer;
  readonly value: Buffer;
  readonly createRevision: bigint;
  readonly modRevision: bigint;
  readonly version: bigint;
  readonly lease: bigint;

  constructor(kv: mvccpb.KeyValue) {
    this.key = kv.key;
    this.value = kv.value;
    this.createRevision = kv.createRevision;
    this.modRevision = kv.modRevision;
    this.version = kv.version;
    this.lease = kv.lease;
  }

  get keyString(): string {
    return this.key.toString('utf8');
  }

  get valueString(): string {
    return this.value.toString('utf8');
  }
}

export type SortOrder = 'none' | 'ascend' | 'descend';
export type SortTarget = 'key' | 'version' | 'create' | 'mod' | 'value';

export interface RangeOptions {
  /** Every key starting with `key`. */
  prefix?: boolean;
  /** Every key >= `key`. */
  fromKey?: boolean;
  /** Explicit end of the range [key, rangeEnd). */
  rangeEnd?: string | Buffer;
  limit?: number | bigint;
  /** Read at this revision (0 or absent: latest). */
  revision?: number | bigint;
  sortOrder?: SortOrder;
  sortTarget?: SortTarget;
  /** Answer from the member's local state without a quorum round (may be stale). */
  serializable?: boolean;
  keysOnly?: boolean;
  countOnly?: boolean;
  minModRevision?: number | bigint;
  maxModRevision?: number | bigint;
  minCreateRevision?: number | bigint;
  maxCreateRevision?: number | bigint;
}

export interface RangeResult {
  header: Header;
  kvs: KeyValue[];
  more: boolean;
  count: bigint;
}

export interface PutOptions {
  /** Attach the key to this lease (0 or absent: none). */
  lease?: bigint | number;
  prevKv?: boolean;
  ignoreValue?: boolean;
  ignoreLease?: boolean;
}

export interface PutResult {
  header: Header;
  prevKv: KeyValue | undefined;
}

export interface DeleteOptions {
  prefix?: boolean;
  fromKey?: boolean;
  rangeEnd?: string | Buffer;
  prevKv?: boolean;
}

export interface DeleteResult {
  header: Header;
  deleted: bigint;
  prevKvs: KeyValue[];
}

export function toRangeResult(response: etcdserverpb.RangeResponse): RangeResult {
  return {
    header: toHeader(response.header),
    kvs: response.kvs.map((kv) => new KeyValue(kv)),
    more: response.more,
    count: response.count,
  };
}

export function toPutResult(response: etcdserverpb.PutResponse): PutResult {
  return { header: toHeader(response.header), prevKv: response.prevKv ? new KeyValue(response.prevKv) : undefined };
}

export function toDeleteResult(response: etcdserverpb.DeleteRangeResponse): DeleteResult {
  return {
    header: toHeader(response.header),
    deleted: response.deleted,
    prevKvs: response.prevKvs.map((kv) => new KeyValue(kv)),
  };
}
