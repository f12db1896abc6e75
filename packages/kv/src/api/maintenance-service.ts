import { DomainError, serverStream, unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { Metadata } from '@grpc/grpc-js';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

type Call = { metadata: Metadata };

/** A maintenance call that needs root once auth is on. */
function rootOnly<Req, Res>(server: EtcdServer, fn: (req: Req) => Promise<Res>) {
  return mapErrors(async (req: Req, call: Call) => {
    server.requireRoot(call.metadata);
    return fn(req);
  });
}

/** etcdserverpb.Maintenance. */
export function maintenanceService(server: EtcdServer): etcdserverpb.MaintenanceServer {
  return {
    status: unary(
      mapErrors(async (_req: etcdserverpb.StatusRequest, call: Call) => {
        server.caller(call.metadata);
        return server.status();
      }),
    ),
    hashKv: unary(rootOnly(server, (req: etcdserverpb.HashKVRequest) => server.hashKV(req.revision))),
    hash: unary(rootOnly(server, () => server.hash())),
    alarm: unary(rootOnly(server, (req: etcdserverpb.AlarmRequest) => server.alarm(req))),
    defragment: unary(rootOnly(server, () => server.defragment())),
    moveLeader: unary(rootOnly(server, (req: etcdserverpb.MoveLeaderRequest) => server.moveLeader(req.targetID))),
    snapshot: serverStream(
      mapErrors(async (_req: etcdserverpb.SnapshotRequest, call) => {
        server.requireRoot(call.metadata);
        for await (const piece of server.snapshot()) {
          if (call.cancelled) return;
          const ok = call.write({
            header: server.header(),
            remainingBytes: piece.remaining,
            blob: piece.blob,
            version: '',
          });
          if (!ok) await new Promise<void>((resolve) => call.once('drain', () => resolve()));
        }
      }),
    ),
    downgrade: unary(async () => {
      throw new DomainError('unimplemented', 'etcdserver: downgrade is not supported');
    }),
  };
}
