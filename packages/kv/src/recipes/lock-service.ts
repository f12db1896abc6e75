import { DomainError, unary } from '@coreos-ts/grpc-kit';
import { etcdserverpb, type v3lockpb } from '@coreos-ts/proto';
import { mapErrors } from '../api/map-errors.js';
import { EMPTY, type RecipeStore, waitForPredecessors } from './key-waits.js';

/** etcd's lock key: the lock name, "/", the lease ID in hex (clientv3's Mutex layout). */
export function lockKey(name: Buffer, lease: bigint): Buffer {
  return Buffer.concat([name, Buffer.from(`/${lease.toString(16)}`)]);
}

/**
 * v3lockpb.Lock, server-side: the same key layout and waiting as clientv3's Mutex, so it
 * excludes `etcdctl lock` and kv-client Mutexes on the same name.
 */
export function lockService(store: RecipeStore): v3lockpb.LockServer {
  return {
    lock: unary(
      mapErrors(async (req: v3lockpb.LockRequest, call) => {
        if (req.lease === 0n) throw new DomainError('invalid-argument', 'etcdserver: requested lease not found');
        const prefix = Buffer.concat([req.name, Buffer.from('/')]);
        const key = lockKey(req.name, req.lease);
        const created = await store.server.txn(
          etcdserverpb.TxnRequest.fromPartial({
            compare: [{ key, target: etcdserverpb.Compare_CompareTarget.CREATE, createRevision: 0n }],
            success: [{ requestPut: { key, value: EMPTY, lease: req.lease } }],
            failure: [{ requestRange: { key } }],
          }),
        );
        const myRevision = created.succeeded
          ? (created.header?.revision ?? 0n)
          : (created.responses[0]?.responseRange?.kvs[0]?.createRevision ?? 0n);
        const abort = new AbortController();
        call.on('cancelled', () => abort.abort());
        try {
          await waitForPredecessors(store, prefix, myRevision, abort.signal);
        } catch (err) {
          // like clientv3's Mutex: a lock attempt that ends early gives its place up
          await store.server.deleteRange(etcdserverpb.DeleteRangeRequest.fromPartial({ key })).catch(() => {});
          throw err;
        }
        return { header: store.server.header(), key };
      }),
    ),
    unlock: unary(
      mapErrors(async (req: v3lockpb.UnlockRequest) => {
        const r = await store.server.deleteRange(etcdserverpb.DeleteRangeRequest.fromPartial({ key: req.key }));
        return { header: r.header };
      }),
    ),
  };
}
