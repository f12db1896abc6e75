import { type Backend, bucketRange, keyBucket } from './backend.js';
import type { HistoryLog } from './history-log.js';
import { KeyHistory } from './key-history.js';
import { readKeyValueHeader } from './key-value-header.js';
import type { LeaseAttachments } from './mvcc-config.js';
import { readRevisionKey } from './revision.js';
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
  const compactMain = Number(compactRevision);
  let maxRevision = 1;
  /** The lease of each key whose latest revision so far has one. */
  const leaseOf = new Map<string, bigint>();
  for await (const [rawKey, rawValue] of backend.entries(bucketRange(keyBucket))) {
    const { main, sub, tombstone } = readRevisionKey(rawKey, 1);
    const kv = readKeyValueHeader(rawValue);
    let key = kv.key;
    let hist = index.get(key);
    if (hist === undefined) {
      hist = new KeyHistory();
      index.set(key, hist);
    } else {
      key = index.keyOf(key) ?? key; // one string per key, shared by its history entries
    }
    if (tombstone) hist.tombstoneRestored(main, sub);
    else hist.putRestored(main, sub, kv.createRevision, kv.version);
    if (main >= compactMain) history.appendRestored(main, sub, key, tombstone);
    if (!tombstone && kv.lease !== 0n) leaseOf.set(key, kv.lease);
    else if (leaseOf.size > 0) leaseOf.delete(key);
    if (main > maxRevision) maxRevision = main;
  }
  if (leases !== undefined) {
    for (const [key, lease] of leaseOf) {
      if (leases.exists(lease)) leases.attach(lease, Buffer.from(key, 'latin1'));
    }
  }
  // compaction may have removed the latest writes (tombstones); revisions never go back
  let currentRevision = BigInt(maxRevision);
  if (compactRevision > currentRevision) currentRevision = compactRevision;
  if (scheduledCompactRevision > currentRevision) currentRevision = scheduledCompactRevision;
  return {
    currentRevision,
    compactRevision,
    scheduledCompactRevision,
    consistentIndex,
  };
}
