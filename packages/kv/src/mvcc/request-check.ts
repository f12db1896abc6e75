// Request validation that needs no state (etcd does it at the gRPC edge before proposing;
// the store repeats it so a bad entry can never half-apply): empty keys, contradicting put
// flags, sort options, txn size and duplicate writes inside a txn.

import type { etcdserverpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { type KeySpan, keySpan, spanContains } from './key-range.js';

export function checkRange(req: etcdserverpb.RangeRequest): void {
  if (req.key.length === 0) throw new KvError('EmptyKey');
  const order = req.sortOrder as number;
  const target = req.sortTarget as number;
  if (order < 0 || order > 2 || target < 0 || target > 4) throw new KvError('InvalidSortOption');
}

export function checkPut(req: etcdserverpb.PutRequest): void {
  if (req.key.length === 0) throw new KvError('EmptyKey');
  if (req.ignoreValue && req.value.length !== 0) throw new KvError('ValueProvided');
  if (req.ignoreLease && req.lease !== 0n) throw new KvError('LeaseProvided');
}

export function checkDeleteRange(req: etcdserverpb.DeleteRangeRequest): void {
  if (req.key.length === 0) throw new KvError('EmptyKey');
}

export function checkTxn(req: etcdserverpb.TxnRequest, maxTxnOps: number): void {
  const ops = Math.max(req.compare.length, req.success.length, req.failure.length);
  if (ops > maxTxnOps) throw new KvError('TooManyOps');
  for (const c of req.compare) {
    if (c.key.length === 0) throw new KvError('EmptyKey');
  }
  for (const op of [...req.success, ...req.failure]) checkOp(op, maxTxnOps);
  checkWriteSet(req.success);
  checkWriteSet(req.failure);
}

function checkOp(op: etcdserverpb.RequestOp, maxTxnOps: number): void {
  if (op.requestRange !== undefined) checkRange(op.requestRange);
  else if (op.requestPut !== undefined) checkPut(op.requestPut);
  else if (op.requestDeleteRange !== undefined) checkDeleteRange(op.requestDeleteRange);
  else if (op.requestTxn !== undefined) checkTxn(op.requestTxn, maxTxnOps);
  else throw new KvError('KeyNotFound'); // an op with no request: etcd answers "key not found"
}

interface WriteSet {
  puts: Set<string>;
  dels: KeySpan[];
}

function deleted(dels: readonly KeySpan[], key: string): boolean {
  return dels.some((span) => spanContains(span, key));
}

/**
 * A key may be written at most once per txn branch: no two puts of one key, no put of a key a
 * delete in scope covers. The two branches of a nested txn exclude each other, so they may
 * put the same key; deletes may overlap each other.
 */
function checkWriteSet(ops: readonly etcdserverpb.RequestOp[]): WriteSet {
  const dels: KeySpan[] = [];
  for (const op of ops) {
    const d = op.requestDeleteRange;
    if (d !== undefined) dels.push(keySpan(d.key, d.rangeEnd));
  }
  const puts = new Set<string>();
  for (const op of ops) {
    const t = op.requestTxn;
    if (t === undefined) continue;
    const then = checkWriteSet(t.success);
    const otherwise = checkWriteSet(t.failure);
    for (const k of then.puts) {
      if (puts.has(k) || deleted(dels, k)) throw new KvError('DuplicateKey');
      puts.add(k);
    }
    for (const k of otherwise.puts) {
      if ((puts.has(k) && !then.puts.has(k)) || deleted(dels, k)) throw new KvError('DuplicateKey');
      puts.add(k);
    }
    dels.push(...then.dels, ...otherwise.dels);
  }
  for (const op of ops) {
    const p = op.requestPut;
    if (p === undefined) continue;
    const k = p.key.toString('latin1');
    if (puts.has(k) || deleted(dels, k)) throw new KvError('DuplicateKey');
    puts.add(k);
  }
  return { puts, dels };
}
