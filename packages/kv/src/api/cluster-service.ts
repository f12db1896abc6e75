import { unary } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { Metadata } from '@grpc/grpc-js';
import type { EtcdServer } from '../server/etcd-server.js';
import { mapErrors } from './map-errors.js';

type Call = { metadata: Metadata };

/** etcdserverpb.Cluster: membership changes go through raft conf changes. */
export function clusterService(server: EtcdServer): etcdserverpb.ClusterServer {
  const members = () => ({ header: server.header(), members: server.members() });
  return {
    memberList: unary(
      mapErrors(async (_req: etcdserverpb.MemberListRequest, call: Call) => {
        server.caller(call.metadata);
        return members();
      }),
    ),
    memberAdd: unary(
      mapErrors(async (req: etcdserverpb.MemberAddRequest, call: Call) => {
        server.requireRoot(call.metadata);
        const member = await server.memberOps.add(req);
        return { ...members(), member };
      }),
    ),
    memberRemove: unary(
      mapErrors(async (req: etcdserverpb.MemberRemoveRequest, call: Call) => {
        server.requireRoot(call.metadata);
        await server.memberOps.remove(req.ID);
        return members();
      }),
    ),
    memberUpdate: unary(
      mapErrors(async (req: etcdserverpb.MemberUpdateRequest, call: Call) => {
        server.requireRoot(call.metadata);
        await server.memberOps.update(req.ID, req.peerURLs);
        return members();
      }),
    ),
    memberPromote: unary(
      mapErrors(async (req: etcdserverpb.MemberPromoteRequest, call: Call) => {
        server.requireRoot(call.metadata);
        await server.memberOps.promote(req.ID);
        return members();
      }),
    ),
  };
}
