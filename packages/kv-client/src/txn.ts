import { etcdserverpb } from '@coreos-ts/proto';
import { type Bytes, rangeEndFor, toBigInt, toBuffer } from './bytes.js';
import type { CallOptions } from './call-runner.js';
import { deleteRequest, putRequest, rangeRequest } from './kv-requests.js';
import {
  type DeleteOptions,
  type DeleteResult,
  type Header,
  type PutOptions,
  type PutResult,
  type RangeOptions,
  type RangeResult,
  toDeleteResult,
  toHeader,
  toPutResult,
  toRangeResult,
} from './kv-types.js';

export type CompareOperator = '=' | '!=' | '>' | '<';

const RESULT: Record<CompareOperator, etcdserverpb.Compare_CompareResult> = {
  '=': etcdserverpb.Compare_CompareResult.EQUAL,
  '!=': etcdserverpb.Compare_CompareResult.NOT_EQUAL,
  '>': etcdserverpb.Compare_CompareResult.GREATER,
  '<': etcdserverpb.Compare_CompareResult.LESS,
};

/** Optional range for a compare: it then holds for every key in the range. */
export interface CompareRange {
  prefix?: boolean;
  fromKey?: boolean;
  rangeEnd?: string | Buffer;
}

function makeCompare(
  key: Bytes,
  operator: CompareOperator,
  target: etcdserverpb.Compare_CompareTarget,
  union: Partial<etcdserverpb.Compare>,
  range: CompareRange,
): etcdserverpb.Compare {
  const keyBuffer = toBuffer(key);
  return { result: RESULT[operator], target, key: keyBuffer, rangeEnd: rangeEndFor(keyBuffer, range), ...union };
}

const T = etcdserverpb.Compare_CompareTarget;

/** Compares for `txn().if(...)`: `compare.version('k', '=', 0)` is "k does not exist". */
export const compare = {
  version: (key: Bytes, op: CompareOperator, version: number | bigint, range: CompareRange = {}) =>
    makeCompare(key, op, T.VERSION, { version: toBigInt(version) }, range),
  createRevision: (key: Bytes, op: CompareOperator, revision: number | bigint, range: CompareRange = {}) =>
    makeCompare(key, op, T.CREATE, { createRevision: toBigInt(revision) }, range),
  modRevision: (key: Bytes, op: CompareOperator, revision: number | bigint, range: CompareRange = {}) =>
    makeCompare(key, op, T.MOD, { modRevision: toBigInt(revision) }, range),
  value: (key: Bytes, op: CompareOperator, value: Bytes, range: CompareRange = {}) =>
    makeCompare(key, op, T.VALUE, { value: toBuffer(value) }, range),
  lease: (key: Bytes, op: CompareOperator, lease: number | bigint, range: CompareRange = {}) =>
    makeCompare(key, op, T.LEASE, { lease: toBigInt(lease) }, range),
};

/** Operations for the branches of a txn. */
export const op = {
  get: (key: Bytes, options: RangeOptions = {}): etcdserverpb.RequestOp => ({
    requestRange: rangeRequest(key, options),
  }),
  put: (key: Bytes, value: Bytes, options: PutOptions = {}): etcdserverpb.RequestOp => ({
    requestPut: putRequest(key, value, options),
  }),
  delete: (key: Bytes, options: DeleteOptions = {}): etcdserverpb.RequestOp => ({
    requestDeleteRange: deleteRequest(key, options),
  }),
};

export type TxnOpResult =
  | { type: 'range'; range: RangeResult }
  | { type: 'put'; put: PutResult }
  | { type: 'delete'; delete: DeleteResult }
  | { type: 'txn'; txn: TxnResult };

export interface TxnResult {
  header: Header;
  succeeded: boolean;
  responses: TxnOpResult[];
}

export function toTxnResult(response: etcdserverpb.TxnResponse): TxnResult {
  return {
    header: toHeader(response.header),
    succeeded: response.succeeded,
    responses: response.responses.map(toOpResult),
  };
}

function toOpResult(response: etcdserverpb.ResponseOp): TxnOpResult {
  if (response.responseRange) return { type: 'range', range: toRangeResult(response.responseRange) };
  if (response.responsePut) return { type: 'put', put: toPutResult(response.responsePut) };
  if (response.responseDeleteRange) return { type: 'delete', delete: toDeleteResult(response.responseDeleteRange) };
  if (response.responseTxn) return { type: 'txn', txn: toTxnResult(response.responseTxn) };
  throw new Error('txn response op carries no response');
}

/**
 * `client.txn().if(...compares).andThen(...ops).orElse(...ops).commit()`: one atomic revision.
 * (No method is called `then`: a builder must not look like a promise to `await`.)
 */
export class TxnBuilder {
  private readonly compares: etcdserverpb.Compare[] = [];
  private readonly success: etcdserverpb.RequestOp[] = [];
  private readonly failure: etcdserverpb.RequestOp[] = [];

  constructor(private readonly send: (request: etcdserverpb.TxnRequest, options: CallOptions) => Promise<TxnResult>) {}

  if(...compares: etcdserverpb.Compare[]): this {
    this.compares.push(...compares);
    return this;
  }

  andThen(...ops: etcdserverpb.RequestOp[]): this {
    this.success.push(...ops);
    return this;
  }

  orElse(...ops: etcdserverpb.RequestOp[]): this {
    this.failure.push(...ops);
    return this;
  }

  request(): etcdserverpb.TxnRequest {
    return { compare: [...this.compares], success: [...this.success], failure: [...this.failure] };
  }

  commit(options: CallOptions = {}): Promise<TxnResult> {
    return this.send(this.request(), options);
  }
}
