import type { etcdserverpb } from '@coreos-ts/proto';
import type { LeaseAttachments } from '../mvcc/mvcc-config.js';
import type { MvccStore } from '../mvcc/mvcc-store.js';
import type { WriteBuffer } from '../mvcc/write-buffer.js';

/** The server's view of leases: the lessor plus the clock and the leader's role. */
export interface LeaseKeeper {
  attachments(): LeaseAttachments;
  /** (Re)loads the granted leases from the backend, e.g. after a snapshot install. */
  load(buffer: WriteBuffer): Promise<void>;
  onRoleChange(isLeader: boolean): void;
  newId(): bigint;
  grant(req: etcdserverpb.LeaseGrantRequest, store: MvccStore): etcdserverpb.LeaseGrantResponse;
  revoke(req: etcdserverpb.LeaseRevokeRequest, store: MvccStore): etcdserverpb.LeaseRevokeResponse;
  /** A keep-alive; the remaining TTL, 0 for an unknown lease. Only the leader renews. */
  renew(id: bigint, isLeader: boolean): bigint;
  timeToLive(req: etcdserverpb.LeaseTimeToLiveRequest, store: MvccStore): etcdserverpb.LeaseTimeToLiveResponse;
  ids(): bigint[];
  /** Leases past their TTL, for the leader to revoke through raft. */
  expired(limit: number): bigint[];
}
