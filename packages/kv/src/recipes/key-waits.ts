import { etcdserverpb, type mvccpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { prefixEnd } from '../mvcc/key-range.js';
import type { EtcdServer } from '../server/etcd-server.js';
import type { WatchHub } from '../watch/watch-hub.js';

/**
 * What the Lock and Election services need from the member: its KV calls (through raft, so
 * the recipes behave as a client's would) and local watches of its own store.
 */
export interface RecipeStore {
  server: EtcdServer;
  /**
   * Resolves with the first event in [key, rangeEnd) (just `key` when rangeEnd is empty) at or
   * after `fromRevision`; deletes only when asked.
   */
  nextEvent(
    key: Buffer,
    rangeEnd: Buffer,
    fromRevision: bigint,
    deletesOnly: boolean,
    signal: AbortSignal,
  ): Promise<mvccpb.Event>;
}

const EMPTY = Buffer.alloc(0);

/** The key of `prefix` with the highest create revision below `maxCreateRevision`, if any. */
async function lastBefore(store: RecipeStore, prefix: Buffer, maxCreateRevision: bigint) {
  const r = await store.server.range(
    etcdserverpb.RangeRequest.fromPartial({
      key: prefix,
      rangeEnd: prefixEnd(prefix),
      maxCreateRevision,
      sortOrder: etcdserverpb.RangeRequest_SortOrder.DESCEND,
      sortTarget: etcdserverpb.RangeRequest_SortTarget.CREATE,
      limit: 1n,
    }),
  );
  return { kv: r.kvs[0], revision: r.header?.revision ?? 0n };
}

/**
 * Waits until no key under `prefix` created before `myRevision` is left (clientv3's
 * waitDeletes): the caller is then first in line. Rejects when `signal` aborts.
 */
export async function waitForPredecessors(
  store: RecipeStore,
  prefix: Buffer,
  myRevision: bigint,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    const { kv, revision } = await lastBefore(store, prefix, myRevision - 1n);
    if (!kv) return;
    await store.nextEvent(kv.key, EMPTY, revision + 1n, true, signal);
  }
}

export { EMPTY };

/** nextEvent over a member's own watch hub. */
export function hubNextEvent(hub: () => WatchHub): RecipeStore['nextEvent'] {
  return (key, rangeEnd, fromRevision, deletesOnly, signal) =>
    new Promise<mvccpb.Event>((resolve, reject) => {
      const h = hub();
      let settled = false;
      let id = 0;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        h.cancel(id);
        fn();
      };
      id = h.watch(
        {
          key,
          rangeEnd,
          startRevision: fromRevision,
          filters: deletesOnly ? [etcdserverpb.WatchCreateRequest_FilterType.NOPUT] : [],
        },
        {
          send: (resp) => {
            const event = resp.events[0];
            if (resp.canceled) settle(() => reject(new KvError('Compacted')));
            else if (event) settle(() => resolve(event));
            return true;
          },
        },
      );
      signal.addEventListener('abort', () => settle(() => reject(signal.reason)), { once: true });
      if (!h.isSynced(id)) h.resume(id);
    });
}
