// The storage seam under the MVCC store and the lessor: a sorted byte-keyed map with synchronous
// point reads, ascending async scans and atomic batch writes. Two implementations (memory and
// LevelDB) pass one conformance suite. Keys are namespaced by a one-byte bucket prefix.

export type BackendOp =
  | { readonly type: 'put'; readonly key: Buffer; readonly value: Buffer }
  | { readonly type: 'del'; readonly key: Buffer };

export interface KeyRange {
  readonly gte: Buffer;
  readonly lt: Buffer;
}

export interface Backend {
  /** The committed value of `key`, read synchronously. */
  get(key: Buffer): Buffer | undefined;
  /** Committed entries with gte <= key < lt, ascending by key bytes. */
  entries(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]>;
  /** Applies every op atomically: after a crash either all of them are visible or none. */
  write(ops: readonly BackendOp[]): Promise<void>;
  /** Makes every earlier write durable; optional (a backend whose writes are durable anyway). */
  sync?(): Promise<void>;
  /** Rewrites the files to reclaim space from deleted data (defragment); optional. */
  compact?(): Promise<void>;
  close(): Promise<void>;
}

/** Revisions of keys (the etcd "key" bucket). */
export const keyBucket = 0x6b; // 'k'
/** consistentIndex, compaction revisions. */
export const metaBucket = 0x6d; // 'm'
/** Granted leases. */
export const leaseBucket = 0x6c; // 'l'

export function bucketKey(bucket: number, suffix: Buffer): Buffer {
  const out = Buffer.allocUnsafe(suffix.length + 1);
  out[0] = bucket;
  suffix.copy(out, 1);
  return out;
}

export function bucketRange(bucket: number): KeyRange {
  return { gte: Buffer.from([bucket]), lt: Buffer.from([bucket + 1]) };
}

export function stripBucket(key: Buffer): Buffer {
  return key.subarray(1);
}
