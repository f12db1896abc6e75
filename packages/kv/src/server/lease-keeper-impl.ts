import type { etcdserverpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { applyLeaseGrant, applyLeaseRevoke, leaseTimeToLiveResponse } from '../lease/lease-apply.js';
import { LeaseIdGenerator } from '../lease/lease-id.js';
import { BufferLeaseSink, loadLeaseRecords } from '../lease/lease-persist.js';
import { Lessor } from '../lease/lessor.js';
import { defaultLessorConfig, minLeaseTtlSecondsFor } from '../lease/lessor-config.js';
import type { LeaseAttachments } from '../mvcc/mvcc-config.js';
import type { MvccStore } from '../mvcc/mvcc-store.js';
import type { WriteBuffer } from '../mvcc/write-buffer.js';
import type { LeaseKeeper } from './lease-keeper.js';

/**
 * Leases on a member: the Lessor (reloaded with the store after a snapshot), the wall clock, and
 * the leader's role. Only the leader renews and expires leases; on becoming leader every lease
 * gets a fresh TTL window (etcd's promote), so a failover does not expire them all at once.
 */
export function createLeaseKeeper(options: {
  memberId: bigint;
  heartbeatIntervalMs: number;
  electionTicks: number;
}): LeaseKeeper {
  const config = {
    ...defaultLessorConfig(),
    minLeaseTtlSeconds: Math.max(1, minLeaseTtlSecondsFor(options.heartbeatIntervalMs, options.electionTicks)),
  };
  const electionMs = options.heartbeatIntervalMs * options.electionTicks;
  const ids = new LeaseIdGenerator(options.memberId, BigInt(Date.now()));
  let lessor: Lessor | undefined;
  let leader = false;
  const current = (): Lessor => {
    if (!lessor) throw new Error('lease keeper used before load');
    return lessor;
  };
  const attachments: LeaseAttachments = {
    exists: (id) => current().exists(id),
    attach: (id, key) => current().attach(id, key),
    detach: (id, key) => current().detach(id, key),
  };
  return {
    attachments: () => attachments,
    async load(buffer: WriteBuffer) {
      lessor = new Lessor(new BufferLeaseSink(buffer), await loadLeaseRecords(buffer.backend), config);
      if (leader) lessor.promote(Date.now(), electionMs);
    },
    onRoleChange(isLeader: boolean) {
      if (isLeader === leader) return;
      leader = isLeader;
      if (isLeader) current().promote(Date.now(), electionMs);
      else current().demote();
    },
    newId: () => ids.next((id) => current().exists(id)),
    grant: (req: etcdserverpb.LeaseGrantRequest, store: MvccStore) =>
      applyLeaseGrant(store, current(), req, Date.now()),
    revoke: (req: etcdserverpb.LeaseRevokeRequest, store: MvccStore) => applyLeaseRevoke(store, current(), req),
    renew(id: bigint, isLeader: boolean) {
      if (!isLeader) throw new KvError('NotLeader');
      try {
        return current().renew(id, Date.now());
      } catch (err) {
        if (err instanceof KvError && err.code === 'LeaseNotFound') return 0n;
        throw err;
      }
    },
    timeToLive: (req: etcdserverpb.LeaseTimeToLiveRequest, store: MvccStore) =>
      leaseTimeToLiveResponse(store, current(), req, Date.now()),
    ids: () => current().leases(),
    expired: (limit: number) => current().expired(Date.now(), limit),
  };
}
