import { unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { Metadata } from '@grpc/grpc-js';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

type Call = { metadata: Metadata };

/** etcdserverpb.KV: reads go to the server's read path, writes through raft; auth checked first. */
export function kvService(server: EtcdServer): etcdserverpb.KVServer {
  return {
    range: unary(
      mapErrors(async (req: etcdserverpb.RangeRequest, call: Call) => {
        server.requireAccess(call.metadata, 'read', req.key, req.rangeEnd);
        return server.range(req);
      }),
    ),
    put: unary(
      mapErrors(async (req: etcdserverpb.PutRequest, call: Call) => {
        server.requireAccess(call.metadata, 'write', req.key, Buffer.alloc(0));
        return server.put(req);
      }),
    ),
    deleteRange: unary(
      mapErrors(async (req: etcdserverpb.DeleteRangeRequest, call: Call) => {
        server.requireAccess(call.metadata, 'write', req.key, req.rangeEnd);
        return server.deleteRange(req);
      }),
    ),
    txn: unary(
      mapErrors(async (req: etcdserverpb.TxnRequest, call: Call) => {
        server.requireTxnAccess(call.metadata, req);
        return server.txn(req);
      }),
    ),
    compact: unary(
      mapErrors(async (req: etcdserverpb.CompactionRequest, call: Call) => {
        server.requireRoot(call.metadata);
        return server.compact(req);
      }),
    ),
  };
}
