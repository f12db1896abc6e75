import { bidiStream, unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

/** Keep-alive requests a stream may have outstanding before it stops reading (backpressure). */
const KEEPALIVE_PENDING_MAX = 128;

/** etcdserverpb.Lease. Keep-alives for unknown leases answer TTL 0, as etcd's do. */
export function leaseService(server: EtcdServer): etcdserverpb.LeaseServer {
  return {
    leaseGrant: unary(mapErrors((req: etcdserverpb.LeaseGrantRequest) => server.leaseGrant(req))),
    leaseRevoke: unary(mapErrors((req: etcdserverpb.LeaseRevokeRequest) => server.leaseRevoke(req))),
    leaseTimeToLive: unary(mapErrors((req: etcdserverpb.LeaseTimeToLiveRequest) => server.leaseTimeToLive(req))),
    leaseLeases: unary(mapErrors(() => server.leaseLeases())),
    leaseKeepAlive: bidiStream(
      mapErrors(async (call) => {
        let pending = 0;
        await new Promise<void>((resolve, reject) => {
          call.on('data', (req: etcdserverpb.LeaseKeepAliveRequest) => {
            pending++;
            if (pending >= KEEPALIVE_PENDING_MAX) call.pause();
            server.leaseRenew(req.ID).then(
              (ttl) => {
                pending--;
                call.resume();
                if (!call.writableEnded && !call.cancelled) {
                  call.write({ header: server.header(), ID: req.ID, TTL: ttl });
                }
              },
              (err: unknown) => {
                call.removeAllListeners('data');
                reject(err);
              },
            );
          });
          call.on('end', () => resolve());
          call.on('cancelled', () => resolve());
          call.on('error', () => resolve());
        });
      }),
    ),
  };
}
