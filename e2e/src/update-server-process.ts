// The cluster's update-server: one process (Omaha + payloads over HTTP, admin gRPC), its data dir
// under the cluster's, and the group every machine's update-engine asks in.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { FLATCAR_APP_ID } from '@coreos-ts/update-engine';
import { requireBinary } from './binaries.js';
import { ManagedProcess } from './managed-process.js';
import type { PortAllocator } from './ports.js';
import { UpdateAdminRpc } from './rpc.js';
import { waitReady } from './wait-ready.js';

/** The Omaha track (update.conf GROUP) machines use, the group it selects, and its channel. */
export const UPDATE_TRACK = 'stable';
export const UPDATE_GROUP = 'Stable';
export const UPDATE_CHANNEL = 'stable';

export interface RunningUpdateServer {
  readonly process: ManagedProcess;
  readonly omahaUrl: string;
  readonly adminAddress: string;
  readonly admin: UpdateAdminRpc;
}

export async function startUpdateServer(options: {
  dir: string;
  publicKeyPath: string;
  logLevel: string;
  readyTimeoutMs: number;
  ports: PortAllocator;
  /** Where the machines reach it (Omaha + payloads): 127.0.0.1, or the host's bridge address in netns mode. */
  host: string;
}): Promise<RunningUpdateServer> {
  const dataDir = join(options.dir, 'update-server');
  mkdirSync(join(dataDir, 'data'), { recursive: true });
  const httpPort = await options.ports.next();
  const adminPort = await options.ports.next();
  const proc = new ManagedProcess({
    name: 'update-server',
    script: requireBinary('update-server'),
    args: [
      `--listen=${options.host}:${httpPort}`,
      `--admin-listen=127.0.0.1:${adminPort}`,
      `--data-dir=${join(dataDir, 'data')}`,
      `--public-key=${options.publicKeyPath}`,
      `--log-level=${options.logLevel}`,
    ],
    logPath: join(dataDir, 'update-server.log'),
    pidPath: join(dataDir, 'update-server.pid'),
  });
  proc.start();
  const adminAddress = `127.0.0.1:${adminPort}`;
  const admin = new UpdateAdminRpc(adminAddress, FLATCAR_APP_ID);
  try {
    const groups = await waitReady('update-server to serve', () => admin.listGroups(), {
      timeoutMs: options.readyTimeoutMs,
      intervalMs: 50,
      fatal: () =>
        proc.state === 'exited'
          ? `it exited (${JSON.stringify(proc.lastExit)}); the end of ${proc.spec.logPath}:\n${proc.logTail()}`
          : undefined,
    });
    if (!groups.some((g) => g.name === UPDATE_GROUP)) {
      // a failed update halts the rollout, so a machine that rolled back is not offered it again
      await admin.createGroup(UPDATE_GROUP, UPDATE_TRACK, UPDATE_CHANNEL, { haltOnFailure: true });
    }
  } catch (err) {
    admin.close();
    await proc.stop(1_000);
    throw err;
  }
  return { process: proc, omahaUrl: `http://${options.host}:${httpPort}/v1/update/`, adminAddress, admin };
}
