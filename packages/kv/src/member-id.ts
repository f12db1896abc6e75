import { createHash } from 'node:crypto';

/**
 * A member's ID, as etcd derives it: the first 8 bytes (big endian) of the SHA-1 of its sorted
 * peer URLs and the cluster token. Members agree on every ID without talking to each other.
 */
export function computeMemberId(peerUrls: readonly string[], clusterToken: string): bigint {
  const hash = createHash('sha1')
    .update([...peerUrls].sort().join(''))
    .update(clusterToken)
    .digest();
  return hash.readBigUInt64BE(0);
}

/** The cluster's ID: the first 8 bytes of the SHA-1 of its sorted member IDs. */
export function computeClusterId(memberIds: readonly bigint[]): bigint {
  const sorted = [...memberIds].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const bytes = Buffer.alloc(8 * sorted.length);
  for (const [i, id] of sorted.entries()) bytes.writeBigUInt64BE(id, 8 * i);
  return createHash('sha1').update(bytes).digest().readBigUInt64BE(0);
}

/** etcd prints member IDs as lowercase hex without leading zeros. */
export function formatId(id: bigint): string {
  return id.toString(16);
}
