import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { etcdserverpb } from '@coreos-ts/proto';
import { ChannelCredentials, Metadata } from '@grpc/grpc-js';

export type BackendName = 'kvd' | 'etcd';

export interface Backend {
  name: BackendName;
  binary: string;
}

/** Raft timing for both: etcd's defaults (heartbeat 100 ms, election 1000 ms). */
const HEARTBEAT_INTERVAL_MS = 100;
const ELECTION_TIMEOUT_MS = 1_000;

/** kvd's launcher in this checkout (tools/kv-bench/{src,dist}/driver -> packages/kv/bin/kvd). */
export function kvdLauncherPath(): string {
  const path = fileURLToPath(new URL('../../../../packages/kv/bin/kvd', import.meta.url));
  const built = join(path, '..', '..', 'dist', 'bin', 'kvd.js');
  if (!existsSync(built)) throw new Error(`${built} is missing: build kvd with npx tsc -b packages/kv`);
  return path;
}

/** A fresh 3-member cluster with the same flags for either server, data dirs under `root`. */
export function startBackendCluster(backend: Backend, root: string): Promise<RunningCluster> {
  const dataDir = join(root, backend.name);
  mkdirSync(dataDir, { recursive: true });
  return startCluster({
    size: 3,
    binary: backend.binary,
    dataDir,
    heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    electionTimeoutMs: ELECTION_TIMEOUT_MS,
    readyTimeoutMs: 60_000,
  });
}

/** The member id and the leader id a member reports (Maintenance.Status). */
export function memberStatus(endpoint: string): Promise<{ memberId: bigint; leader: bigint }> {
  const client = new etcdserverpb.MaintenanceClient(
    endpoint.replace(/^https?:\/\//, ''),
    ChannelCredentials.createInsecure(),
  );
  return new Promise<{ memberId: bigint; leader: bigint }>((resolve, reject) => {
    client.status(
      etcdserverpb.StatusRequest.fromPartial({}),
      new Metadata(),
      { deadline: Date.now() + 5_000 },
      (err, res) => {
        if (err) reject(err);
        else resolve({ memberId: res.header?.memberId ?? 0n, leader: res.leader });
      },
    );
  }).finally(() => client.close());
}

/** Index of the member that is leader now. */
export async function leaderIndex(cluster: RunningCluster): Promise<number> {
  const statuses = await Promise.all(cluster.endpoints.map((e) => memberStatus(e)));
  const index = statuses.findIndex((s) => s.memberId !== 0n && s.memberId === s.leader);
  if (index < 0) throw new Error('no member reports itself leader');
  return index;
}

/** The endpoints with the leader's first: one connection goes to the leader on both servers. */
export async function endpointsLeaderFirst(cluster: RunningCluster): Promise<string[]> {
  const leader = await leaderIndex(cluster);
  const endpoints = [...cluster.endpoints];
  const [first] = endpoints.splice(leader, 1);
  return [first as string, ...endpoints];
}

/** Puts one key (the range workloads read it). */
export function putKey(endpoint: string, key: string, value: Buffer): Promise<void> {
  const client = new etcdserverpb.KVClient(endpoint.replace(/^https?:\/\//, ''), ChannelCredentials.createInsecure());
  return new Promise<void>((resolve, reject) => {
    client.put(
      etcdserverpb.PutRequest.fromPartial({ key: Buffer.from(key), value }),
      new Metadata(),
      { deadline: Date.now() + 10_000 },
      (err) => (err ? reject(err) : resolve()),
    );
  }).finally(() => client.close());
}
