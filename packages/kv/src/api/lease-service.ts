import { bidiStream, unary } from '@coreos-ts/grpc-kit';
import { etcdserverpb } from '@coreos-ts/proto';
import type { Metadata } from '@grpc/grpc-js';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

/** Keep-alive requests a stream may have outstanding before it stops reading (backpressure). */
const KEEPALIVE_PENDING_MAX = 128;

/** etcdserverpb.Lease. Keep-alives for unknown leases answer TTL 0, as etcd's do. */
export function leaseService(server: EtcdServer): etcdserverpb.LeaseServer {
  return {
    leaseGrant: unary(
      mapErrors(async (req: etcdserverpb.LeaseGrantRequest, call: { metadata: Metadata }) => {
        server.caller(call.metadata);
        return server.leaseGrant(req);
      }),
    ),
    leaseRevoke: unary(
      mapErrors(async (req: etcdserverpb.LeaseRevokeRequest, call: { metadata: Metadata }) => {
        // revoking deletes the attached keys: write access to each of them is needed
        if (server.caller(call.metadata) !== undefined) {
          const ttl = await server.leaseTimeToLive(
            etcdserverpb.LeaseTimeToLiveRequest.fromPartial({ ID: req.ID, keys: true }),
          );
          for (const key of ttl.keys) server.requireAccess(call.metadata, 'write', key, Buffer.alloc(0));
        }
        return server.leaseRevoke(req);
      }),
    ),
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
