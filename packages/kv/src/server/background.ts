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
 * The member's periodic chores: publish its name and client URLs once, let unsynced watchers
 * catch up, finish physical compaction, revoke expired leases (leader), track the database
 * size (the quota check uses it).
 */
export function startBackgroundWork(o: {
  server: EtcdServer;
  state: StateMachine;
  node: RaftNode;
  config: KvdConfig;
  log: Logger;
  dbDir: string;
}): NodeJS.Timeout[] {
  const { server, state, node, config, log } = o;
  let published = false;
  let publishing = false;
  let expiring = false;
  const publish = setInterval(
    () => {
      if (published || publishing || server.leader() === 0n) return;
      publishing = true;
      server
        .publishAttributes(config.name, config.advertiseClientUrls)
        .then(
          () => {
            published = true;
            clearInterval(publish);
            log.info({ name: config.name }, 'published member attributes');
          },
          (err: unknown) => log.debug({ err: String(err) }, 'publishing member attributes failed; will retry'),
        )
        .finally(() => {
          publishing = false;
        });
    },
    Math.max(100, config.heartbeatIntervalMs),
  );
  return [
    publish,
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
