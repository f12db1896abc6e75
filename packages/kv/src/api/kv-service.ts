import { unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

/** etcdserverpb.KV: reads go to the server's read path, writes through raft. */
export function kvService(server: EtcdServer): etcdserverpb.KVServer {
  return {
    range: unary(mapErrors((req: etcdserverpb.RangeRequest) => server.range(req))),
    put: unary(mapErrors((req: etcdserverpb.PutRequest) => server.put(req))),
    deleteRange: unary(mapErrors((req: etcdserverpb.DeleteRangeRequest) => server.deleteRange(req))),
    txn: unary(mapErrors((req: etcdserverpb.TxnRequest) => server.txn(req))),
    compact: unary(mapErrors((req: etcdserverpb.CompactionRequest) => server.compact(req))),
  };
}
