import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { kvpb } from '@coreos-ts/proto';
import { ConfChangeType, type Entry, EntryType, encodeConfChange } from '@coreos-ts/raft';
import { ConfigError } from './config.js';
import { computeClusterId, computeMemberId } from './member-id.js';
import { bucketRange } from './mvcc/backend.js';
import { LevelBackend } from './mvcc/level-backend.js';
import { encodeInt64, metaConsistentIndex } from './mvcc/store-meta.js';
import { WriteBuffer } from './mvcc/write-buffer.js';
import { clusterIdKey } from './server/cluster-identity.js';
import { parseSnapshot, restoreBackend } from './server/db-snapshot.js';
import { Membership } from './server/membership.js';
import { createFileWal, defaultFileWalConfig, walDirOf } from './wal/index.js';

export interface RestoreOptions {
  /** A file written by `etcdctl snapshot save` / `kvctl snapshot save` from a kvd member. */
  snapshotFile: string;
  /** The new member's data dir; must not exist or be empty. */
  dataDir: string;
  name: string;
  /** The new cluster: name -> peer URLs (etcd's --initial-cluster). */
  initialCluster: Map<string, string[]>;
  initialClusterToken: string;
  initialAdvertisePeerUrls: string[];
}

const MEMBER_BUCKETS = [0x63, 0x72];
const nullLogger = { warn: () => {} };

/**
 * Turns a snapshot into the data dir of a member of a NEW cluster (etcdctl snapshot restore):
 * the store's content and history as in the snapshot, the membership replaced by the new
 * cluster's, and a WAL whose first entries add those members, so kvd starts from it as a
 * member restarting.
 */
export async function restoreDataDir(o: RestoreOptions): Promise<{ clusterId: bigint; memberId: bigint }> {
  const existing = await readdir(o.dataDir).catch(() => [] as string[]);
  if (existing.length > 0) throw new ConfigError(`--data-dir ${o.dataDir} already exists and is not empty`);
  if (!o.initialCluster.has(o.name)) throw new ConfigError(`--initial-cluster has no member named "${o.name}"`);
  const data = await readFile(o.snapshotFile);
  for (const _ of parseSnapshot(data)) {
    // parseSnapshot checks the frame and the hash; a bad file stops here
  }
  const members = [...o.initialCluster].map(([name, urls]) => ({
    id: computeMemberId(urls, o.initialClusterToken),
    name,
    urls,
  }));
  const clusterId = computeClusterId(members.map((m) => m.id));
  const memberId = computeMemberId(o.initialAdvertisePeerUrls, o.initialClusterToken);

  const dbDir = join(o.dataDir, 'member', 'db');
  await mkdir(dbDir, { recursive: true });
  const backend = await LevelBackend.open(dbDir, { syncWrites: true });
  try {
    await restoreBackend(backend, data);
    const buffer = new WriteBuffer(backend);
    for (const bucket of MEMBER_BUCKETS) {
      for await (const [key] of backend.entries(bucketRange(bucket))) buffer.del(Buffer.from(key));
    }
    const membership = await Membership.load(buffer);
    for (const m of members) membership.set(kvpb.MemberInfo.fromPartial({ id: m.id, name: m.name, peerUrls: m.urls }));
    buffer.put(metaConsistentIndex, encodeInt64(BigInt(members.length)));
    const clusterIdValue = Buffer.allocUnsafe(8);
    clusterIdValue.writeBigUInt64BE(clusterId);
    buffer.put(clusterIdKey, clusterIdValue);
    await buffer.flush();
  } finally {
    await backend.close();
  }

  const wal = await createFileWal(defaultFileWalConfig(walDirOf(o.dataDir), nullLogger), { clusterId, memberId });
  const entries: Entry[] = members.map((m, i) => ({
    term: 1,
    index: i + 1,
    type: EntryType.ConfChange,
    data: encodeConfChange({
      type: ConfChangeType.AddNode,
      nodeId: m.id,
      context: kvpb.MemberInfo.encode(
        kvpb.MemberInfo.fromPartial({ id: m.id, name: m.name, peerUrls: m.urls }),
      ).finish(),
    }),
  }));
  await wal.save({ term: 1, vote: 0n, commit: members.length }, entries);
  await wal.close();
  return { clusterId, memberId };
}
