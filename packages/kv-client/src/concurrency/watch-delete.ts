import type { KvClient } from '../client.js';
import { CancelledError } from '../errors.js';

/** Resolves when `key` is deleted at or after `fromRevision`. */
export async function collectDelete(
  client: KvClient,
  key: Buffer,
  fromRevision: bigint,
  signal: AbortSignal,
): Promise<void> {
  const watcher = client.watch(key, { startRevision: fromRevision, filters: ['noPut'], signal });
  try {
    for (;;) {
      const result = await watcher.next();
      if (result.done) throw new CancelledError('wait for deletion cancelled');
      if (result.value.events.some((e) => e.type === 'delete')) return;
    }
  } finally {
    watcher.cancel();
  }
}
