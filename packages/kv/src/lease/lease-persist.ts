// Leases in the backend's lease bucket: id (int64 BE) -> granted TTL seconds (int64 BE). They
// are written through the apply round's WriteBuffer, so a grant or revoke lands in the same
// atomic batch as its MVCC effects and the consistentIndex.

import { type Backend, bucketKey, bucketRange, leaseBucket, stripBucket } from '../mvcc/backend.js';
import type { WriteBuffer } from '../mvcc/write-buffer.js';

export interface LeaseRecord {
  readonly id: bigint;
  readonly ttlSeconds: bigint;
}

/** Where the lessor stages its durable changes. */
export interface LeaseSink {
  putLease(record: LeaseRecord): void;
  deleteLease(id: bigint): void;
}

function leaseKey(id: bigint): Buffer {
  const suffix = Buffer.alloc(8);
  suffix.writeBigInt64BE(id);
  return bucketKey(leaseBucket, suffix);
}

export class BufferLeaseSink implements LeaseSink {
  constructor(private readonly buffer: WriteBuffer) {}

  putLease(record: LeaseRecord): void {
    const value = Buffer.alloc(8);
    value.writeBigInt64BE(record.ttlSeconds);
    this.buffer.put(leaseKey(record.id), value);
  }

  deleteLease(id: bigint): void {
    this.buffer.del(leaseKey(id));
  }
}

export async function loadLeaseRecords(backend: Backend): Promise<LeaseRecord[]> {
  const out: LeaseRecord[] = [];
  for await (const [key, value] of backend.entries(bucketRange(leaseBucket))) {
    const suffix = stripBucket(key);
    if (suffix.length !== 8 || value.length !== 8) throw new Error(`lease: malformed record ${key.toString('hex')}`);
    out.push({ id: suffix.readBigInt64BE(), ttlSeconds: value.readBigInt64BE() });
  }
  return out;
}
