import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@coreos-ts/grpc-kit';
import type { KvdConfig } from '../config.js';
import type { EtcdServer } from './etcd-server.js';
import type { RaftNode } from './raft-node.js';
import type { StateMachine } from './state-machine.js';

const WATCH_SYNC_MS = 100;
const LEASE_CHECK_MS = 500;
const DB_SIZE_MS = 1000;
const PROGRESS_NOTIFY_MS = 10 * 60 * 1000;
const EXPIRED_LEASES_PER_ROUND = 64;

export async function dirSize(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    total += (await stat(join(dir, name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/**
 * The member's periodic chores: let unsynced watchers catch up, finish physical compaction, revoke expired leases (leader), track the database
 * size (the quota check uses it).
 */
export function startBackgroundWork(o: {
  server: EtcdServer;
  state: StateMachine;
  node: RaftNode;
  log: Logger;
  dbDir: string;
}): NodeJS.Timeout[] {
  const { server, state, node, log } = o;
  let expiring = false;
  return [
    setInterval(() => {
      state.watchHub().syncUnsynced();
      // compacted revisions are deleted from the backend a chunk per flush, writes or not
      if (state.store().compactionPending()) {
        state
          .store()
          .flush()
          .catch((err: unknown) => log.error({ err: String(err) }, 'writing compaction deletes failed'));
      }
    }, WATCH_SYNC_MS),
    setInterval(() => state.watchHub().notifyProgress(), PROGRESS_NOTIFY_MS),
    setInterval(() => {
      if (expiring || !node.isLeader()) return;
      expiring = true;
      server.revokeExpiredLeases(EXPIRED_LEASES_PER_ROUND).finally(() => {
        expiring = false;
      });
    }, LEASE_CHECK_MS),
    setInterval(() => {
      dirSize(o.dbDir).then((bytes) => state.setDbSize(bytes));
    }, DB_SIZE_MS),
  ];
}

/**
 * Proposes this member's name and client URLs until they are applied. Like etcd, the member
 * serves clients only after that: by then it has applied everything committed before, so a
 * member that restarts behind the others never answers from a stale store.
 */
export async function publishAttributes(server: EtcdServer, config: KvdConfig, log: Logger): Promise<void> {
  const retryMs = Math.max(100, config.heartbeatIntervalMs);
  for (;;) {
    if (server.leader() !== 0n) {
      try {
        await server.publishAttributes(config.name, config.advertiseClientUrls);
        log.info({ name: config.name }, 'published member attributes');
        return;
      } catch (err) {
        log.debug({ err: String(err) }, 'publishing member attributes failed; will retry');
      }
    }
    await new Promise((r) => setTimeout(r, retryMs));
  }
}
