// The meta bucket: consistentIndex (the raft index of the last applied entry) and the
// compaction revisions, each an int64 BE under a fixed name.

import { bucketKey, metaBucket } from './backend.js';

export const metaConsistentIndex = bucketKey(metaBucket, Buffer.from('consistent_index'));
export const metaCompactRevision = bucketKey(metaBucket, Buffer.from('finished_compact_rev'));
export const metaScheduledCompactRevision = bucketKey(metaBucket, Buffer.from('scheduled_compact_rev'));

export function encodeInt64(n: bigint): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigInt64BE(n);
  return buf;
}

export function decodeInt64(buf: Buffer | undefined, fallback: bigint): bigint {
  if (buf === undefined) return fallback;
  if (buf.length !== 8) throw new Error(`mvcc: malformed meta value ${buf.toString('hex')}`);
  return buf.readBigInt64BE();
}
