// The lease requests as the apply loop runs them: proto in, proto out, with the MVCC effects
// of a revoke (deleting every attached key) in one revision.

import type { etcdserverpb } from '@coreos-ts/proto';
import type { MvccStore } from '../mvcc/mvcc-store.js';
import { responseHeader } from '../mvcc/store-reader.js';
import type { Lessor } from './lessor.js';

/** Applies a LeaseGrant whose ID is already chosen (non-zero). */
export function applyLeaseGrant(
  store: MvccStore,
  lessor: Lessor,
  req: etcdserverpb.LeaseGrantRequest,
  nowMs: number,
): etcdserverpb.LeaseGrantResponse {
  const { ID, TTL } = lessor.grant(req.ID, req.TTL, nowMs);
  return { header: responseHeader(store.currentRevision()), ID, TTL, error: '' };
}

/** Applies a LeaseRevoke: deletes the attached keys in one revision, then forgets the lease. */
export function applyLeaseRevoke(
  store: MvccStore,
  lessor: Lessor,
  req: etcdserverpb.LeaseRevokeRequest,
): etcdserverpb.LeaseRevokeResponse {
  const keys = lessor.keysOf(req.ID);
  const revision = store.deleteKeys(keys);
  lessor.revoke(req.ID);
  return { header: responseHeader(revision) };
}

export function leaseTimeToLiveResponse(
  store: MvccStore,
  lessor: Lessor,
  req: etcdserverpb.LeaseTimeToLiveRequest,
  nowMs: number,
): etcdserverpb.LeaseTimeToLiveResponse {
  const ttl = lessor.timeToLive(req.ID, nowMs, req.keys);
  return { header: responseHeader(store.currentRevision()), ...ttl };
}

export function leaseLeasesResponse(store: MvccStore, lessor: Lessor): etcdserverpb.LeaseLeasesResponse {
  return { header: responseHeader(store.currentRevision()), leases: lessor.leases().map((ID) => ({ ID })) };
}
