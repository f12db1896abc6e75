// A txn runs in two passes, like etcd's: first every compare of every (nested) txn is decided
// against the state before the txn and the chosen ops are checked (so an error leaves no
// trace), then the chosen ops execute in one revision.

import type { etcdserverpb, mvccpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { evaluateCompare } from './compare.js';
import { type KeySpan, keySpan } from './key-range.js';
import { responseHeader } from './store-reader.js';

export interface TxnPlan {
  readonly succeeded: boolean;
  /** The plans of the nested txns of the chosen branch, by op position. */
  readonly nested: ReadonlyMap<number, TxnPlan>;
}

export interface TxnPlanView {
  readonly revision: bigint;
  readonly compactRevision: bigint;
  kvs(span: KeySpan, main: bigint): mvccpb.KeyValue[];
  /** Throws what a put would fail with (missing lease, ignore_* on a missing key). */
  checkPut(req: etcdserverpb.PutRequest, main: bigint): void;
}

export function planTxn(req: etcdserverpb.TxnRequest, view: TxnPlanView): TxnPlan {
  const at = view.revision;
  const succeeded = req.compare.every((c) => evaluateCompare(c, view.kvs(keySpan(c.key, c.rangeEnd), at)));
  const nested = new Map<number, TxnPlan>();
  (succeeded ? req.success : req.failure).forEach((op, i) => {
    if (op.requestPut !== undefined) view.checkPut(op.requestPut, at);
    if (op.requestRange !== undefined) {
      const rev = op.requestRange.revision;
      if (rev > at) throw new KvError('FutureRev');
      if (rev > 0n && rev < view.compactRevision) throw new KvError('Compacted');
    }
    if (op.requestTxn !== undefined) nested.set(i, planTxn(op.requestTxn, view));
  });
  return { succeeded, nested };
}

/**
 * Fills the headers of a txn response's put/delete responses, recursively. As in etcd, a
 * nested txn response carries an empty header; range responses keep the revision they read at.
 */
export function stampHeaders(resp: etcdserverpb.TxnResponse, revision: bigint, nested = false): void {
  resp.header = responseHeader(nested ? 0n : revision);
  for (const r of resp.responses) {
    if (r.responsePut !== undefined) r.responsePut.header = responseHeader(revision);
    if (r.responseDeleteRange !== undefined) r.responseDeleteRange.header = responseHeader(revision);
    if (r.responseTxn !== undefined) stampHeaders(r.responseTxn, revision, true);
  }
}
