import { ConfigError } from '../config.js';
import { type Backend, bucketKey, metaBucket } from '../mvcc/backend.js';

export const clusterIdKey = bucketKey(metaBucket, Buffer.from('cluster_id'));

/**
 * The database remembers which cluster it belongs to. A data dir of another cluster, or a
 * database without its WAL, is refused at start: never silently started empty or mixed.
 */
export async function checkClusterIdentity(
  backend: Backend,
  clusterId: bigint,
  dataDir: string,
  options: { fresh?: boolean } = {},
): Promise<void> {
  const stored = backend.get(clusterIdKey);
  if (options.fresh) {
    for await (const _ of backend.entries({ gte: Buffer.alloc(0), lt: Buffer.from([0xff]) })) {
      throw new ConfigError(
        `--data-dir ${dataDir}: the database has data but there is no write-ahead log; refusing to start (restore from a snapshot or remove the data dir)`,
      );
    }
  }
  if (stored === undefined) {
    const value = Buffer.allocUnsafe(8);
    value.writeBigUInt64BE(clusterId);
    await backend.write([{ type: 'put', key: clusterIdKey, value }]);
    return;
  }
  const existing = stored.readBigUInt64BE(0);
  if (existing !== clusterId) {
    throw new ConfigError(
      `--data-dir ${dataDir}: the database belongs to cluster ${existing.toString(16)}, the write-ahead log to ${clusterId.toString(16)}; refusing to start`,
    );
  }
}
