import { DomainError, serverStream, unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

/** etcdserverpb.Maintenance. */
export function maintenanceService(server: EtcdServer): etcdserverpb.MaintenanceServer {
  return {
    status: unary(mapErrors(() => server.status())),
    hashKv: unary(mapErrors((req: etcdserverpb.HashKVRequest) => server.hashKV(req.revision))),
    hash: unary(mapErrors(() => server.hash())),
    alarm: unary(mapErrors((req: etcdserverpb.AlarmRequest) => server.alarm(req))),
    defragment: unary(mapErrors(() => server.defragment())),
    moveLeader: unary(mapErrors((req: etcdserverpb.MoveLeaderRequest) => server.moveLeader(req.targetID))),
    snapshot: serverStream(
      mapErrors(async (_req: etcdserverpb.SnapshotRequest, call) => {
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
