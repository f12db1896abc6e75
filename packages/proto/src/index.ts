// Every coreos-ts wire contract, generated from /proto by `pnpm gen` (buf + ts-proto).
// int64/uint64 fields are `bigint` everywhere; bytes fields are `Buffer`.
// Each proto package is exported as a namespace named after it.
export * as authpb from './gen/etcd/authpb/auth.js';
export * as etcdserverpb from './gen/etcd/etcdserverpb/rpc.js';
export * as mvccpb from './gen/etcd/mvccpb/kv.js';
export * as v3electionpb from './gen/etcd/v3electionpb/v3election.js';
export * as v3lockpb from './gen/etcd/v3lockpb/v3lock.js';
export * as fleetpb from './gen/fleet/v1/fleet.js';
export * as healthpb from './gen/grpc/health/v1/health.js';
export * as kvpb from './gen/kv/v1/internal.js';
export * as locksmithpb from './gen/locksmith/v1/locksmith.js';
export * as raftpb from './gen/raft/raft.js';
export * as updateenginepb from './gen/update/v1/update_engine.js';
export * as updateserverpb from './gen/update/v1/update_server.js';
