import { DomainError, serverStream, unary } from '@coreos-ts/grpc-kit';
import { etcdserverpb, type mvccpb, type v3electionpb } from '@coreos-ts/proto';
import { mapErrors } from '../api/map-errors.js';
import { prefixEnd } from '../mvcc/key-range.js';
import { type RecipeStore, waitForPredecessors } from './key-waits.js';
import { lockKey } from './lock-service.js';

// etcd's v3election errors (clients match the text).
const NOT_LEADER = 'election: not leader';
const NO_LEADER = 'election: no leader';

function prefixOf(name: Buffer): Buffer {
  return Buffer.concat([name, Buffer.from('/')]);
}

function sameVersion(a: mvccpb.KeyValue | undefined, b: mvccpb.KeyValue): boolean {
  return a?.key.equals(b.key) === true && a.modRevision === b.modRevision;
}

/** The current leader: the key under the election's prefix with the lowest create revision. */
async function currentLeader(store: RecipeStore, name: Buffer) {
  const prefix = prefixOf(name);
  const r = await store.server.range(
    etcdserverpb.RangeRequest.fromPartial({
      key: prefix,
      rangeEnd: prefixEnd(prefix),
      sortOrder: etcdserverpb.RangeRequest_SortOrder.ASCEND,
      sortTarget: etcdserverpb.RangeRequest_SortTarget.CREATE,
      limit: 1n,
    }),
  );
  return { kv: r.kvs[0], revision: r.header?.revision ?? 0n };
}

/** Puts the value only while `leader` still holds its key (same create revision). */
async function putIfLeader(store: RecipeStore, leader: v3electionpb.LeaderKey, ops: etcdserverpb.RequestOp[]) {
  const r = await store.server.txn(
    etcdserverpb.TxnRequest.fromPartial({
      compare: [
        {
          key: leader.key,
          target: etcdserverpb.Compare_CompareTarget.CREATE,
          result: etcdserverpb.Compare_CompareResult.EQUAL,
          createRevision: leader.rev,
        },
      ],
      success: ops,
    }),
  );
  return r;
}

/** v3electionpb.Election, server-side, on clientv3's Election key layout. */
export function electionService(store: RecipeStore): v3electionpb.ElectionServer {
  return {
    campaign: unary(
      mapErrors(async (req: v3electionpb.CampaignRequest, call) => {
        const key = lockKey(req.name, req.lease);
        const created = await store.server.txn(
          etcdserverpb.TxnRequest.fromPartial({
            compare: [{ key, target: etcdserverpb.Compare_CompareTarget.CREATE, createRevision: 0n }],
            success: [{ requestPut: { key, value: req.value, lease: req.lease } }],
            failure: [{ requestRange: { key } }],
          }),
        );
        let rev = created.header?.revision ?? 0n;
        if (!created.succeeded) {
          const existing = created.responses[0]?.responseRange?.kvs[0];
          rev = existing?.createRevision ?? 0n;
          if (existing && !existing.value.equals(req.value)) {
            await store.server.put(etcdserverpb.PutRequest.fromPartial({ key, value: req.value, lease: req.lease }));
          }
        }
        const abort = new AbortController();
        call.on('cancelled', () => abort.abort());
        try {
          await waitForPredecessors(store, prefixOf(req.name), rev, abort.signal);
        } catch (err) {
          await store.server.deleteRange(etcdserverpb.DeleteRangeRequest.fromPartial({ key })).catch(() => {});
          throw err;
        }
        return { header: store.server.header(), leader: { name: req.name, key, rev, lease: req.lease } };
      }),
    ),
    proclaim: unary(
      mapErrors(async (req: v3electionpb.ProclaimRequest) => {
        const leader = req.leader;
        if (!leader) throw new DomainError('failed-precondition', NOT_LEADER);
        const r = await putIfLeader(store, leader, [
          etcdserverpb.RequestOp.fromPartial({
            requestPut: { key: leader.key, value: req.value, lease: leader.lease },
          }),
        ]);
        if (!r.succeeded) throw new DomainError('failed-precondition', NOT_LEADER);
        return { header: r.header };
      }),
    ),
    resign: unary(
      mapErrors(async (req: v3electionpb.ResignRequest) => {
        const leader = req.leader;
        if (!leader) throw new DomainError('failed-precondition', NOT_LEADER);
        const r = await putIfLeader(store, leader, [
          etcdserverpb.RequestOp.fromPartial({ requestDeleteRange: { key: leader.key } }),
        ]);
        return { header: r.header };
      }),
    ),
    leader: unary(
      mapErrors(async (req: v3electionpb.LeaderRequest) => {
        const { kv } = await currentLeader(store, req.name);
        if (!kv) throw new DomainError('not-found', NO_LEADER);
        return { header: store.server.header(), kv };
      }),
    ),
    observe: serverStream(
      mapErrors(async (req: v3electionpb.LeaderRequest, call) => {
        const abort = new AbortController();
        call.on('cancelled', () => abort.abort());
        call.on('close', () => abort.abort());
        let last: mvccpb.KeyValue | undefined;
        while (!abort.signal.aborted) {
          const { kv, revision } = await currentLeader(store, req.name);
          if (!kv) {
            // no leader yet: wait for any key under the prefix
            const prefix = prefixOf(req.name);
            await store.nextEvent(prefix, prefixEnd(prefix), revision + 1n, false, abort.signal).catch(() => undefined);
            continue;
          }
          if (!sameVersion(last, kv)) {
            call.write({ header: store.server.header(), kv });
            last = kv;
          }
          // the leader's key changes (proclaim) or goes (resign, lease expiry)
          await store.nextEvent(kv.key, Buffer.alloc(0), revision + 1n, false, abort.signal).catch(() => undefined);
        }
      }),
    ),
  };
}
