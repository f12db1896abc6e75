import { bucketKey, keyBucket } from './backend.js';
import { crc32c } from './crc32c.js';
import type { KeyHistory } from './key-history.js';
import { compareRevision, encodeRevisionKey, type Revision } from './revision.js';
import type { SortedMap } from './sorted-map.js';

/**
 * CRC-32C over every kept revision with main <= at, in revision order: its revision key then
 * its stored KeyValue bytes. Members with the same history and compaction hash the same.
 */
export function hashRevisions(
  index: SortedMap<KeyHistory>,
  at: bigint,
  get: (key: Buffer) => Buffer | undefined,
): number {
  const revs: { rev: Revision; tombstone: boolean }[] = [];
  for (const [, hist] of index.entries()) {
    for (const r of hist.revisions()) {
      if (r.rev.main <= at) revs.push(r);
    }
  }
  revs.sort((a, b) => compareRevision(a.rev, b.rev));
  let crc = 0;
  for (const { rev, tombstone } of revs) {
    const revKey = encodeRevisionKey(rev, tombstone);
    crc = crc32c(revKey, crc);
    const value = get(bucketKey(keyBucket, revKey));
    if (value !== undefined) crc = crc32c(value, crc);
  }
  return crc;
}
