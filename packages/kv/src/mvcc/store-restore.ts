import { mvccpb } from '@coreos-ts/proto';
import { type Backend, bucketRange, keyBucket, stripBucket } from './backend.js';
import type { HistoryLog } from './history-log.js';
import { KeyHistory } from './key-history.js';
import type { LeaseAttachments } from './mvcc-config.js';
import { decodeRevisionKey } from './revision.js';
import type { SortedMap } from './sorted-map.js';
import { decodeInt64, metaCompactRevision, metaConsistentIndex, metaScheduledCompactRevision } from './store-meta.js';

export interface RestoredState {
  readonly currentRevision: bigint;
  readonly compactRevision: bigint;
  readonly scheduledCompactRevision: bigint;
  readonly consistentIndex: bigint;
}

/**
 * Rebuilds the in-memory key index and history log by scanning the key bucket in revision
 * order, and re-attaches live keys to their leases.
 */
export async function restoreStore(
  backend: Backend,
  index: SortedMap<KeyHistory>,
  history: HistoryLog,
  leases: LeaseAttachments | undefined,
): Promise<RestoredState> {
  const compactRevision = decodeInt64(backend.get(metaCompactRevision), -1n);
  const scheduledCompactRevision = decodeInt64(backend.get(metaScheduledCompactRevision), -1n);
  const consistentIndex = decodeInt64(backend.get(metaConsistentIndex), 0n);
  let maxRevision = 1n;
  const leaseOf = new Map<string, bigint>();
  for await (const [rawKey, rawValue] of backend.entries(bucketRange(keyBucket))) {
    const { rev, tombstone } = decodeRevisionKey(stripBucket(rawKey));
    const kv = mvccpb.KeyValue.decode(rawValue);
    const key = kv.key.toString('latin1');
    let hist = index.get(key);
    if (hist === undefined) {
      hist = new KeyHistory();
      index.set(key, hist);
    }
    if (tombstone) hist.tombstoneRestored(rev);
    else hist.putRestored(rev, kv.createRevision, Number(kv.version));
    if (rev.main >= compactRevision) history.append({ rev, key, tombstone });
    leaseOf.set(key, tombstone ? 0n : kv.lease);
    if (rev.main > maxRevision) maxRevision = rev.main;
  }
  if (leases !== undefined) {
    for (const [key, lease] of leaseOf) {
      if (lease !== 0n && leases.exists(lease)) leases.attach(lease, Buffer.from(key, 'latin1'));
    }
  }
  // compaction may have removed the latest writes (tombstones); revisions never go back
  let currentRevision = maxRevision;
  if (compactRevision > currentRevision) currentRevision = compactRevision;
  if (scheduledCompactRevision > currentRevision) currentRevision = scheduledCompactRevision;
  return {
    currentRevision,
    compactRevision,
    scheduledCompactRevision,
    consistentIndex,
  };
}
