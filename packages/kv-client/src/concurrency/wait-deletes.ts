import type { KvClient } from '../client.js';
import { collectDelete } from './watch-delete.js';

/**
 * Waits until no key under `prefix` with create revision <= maxCreateRevision remains: each
 * time, the newest such key (the direct predecessor) is awaited via a watch for its deletion.
 * This is clientv3's wait: contenders form a queue ordered by create revision.
 */
export async function waitDeletes(
  client: KvClient,
  prefix: string,
  maxCreateRevision: bigint,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    const newest = await client.get(prefix, {
      prefix: true,
      maxCreateRevision,
      sortTarget: 'create',
      sortOrder: 'descend',
      limit: 1,
      signal,
    });
    const predecessor = newest.kvs[0];
    if (!predecessor) return;
    await collectDelete(client, predecessor.key, newest.header.revision + 1n, signal);
  }
}
