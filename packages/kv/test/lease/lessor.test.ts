import { etcdserverpb } from '@coreos-ts/proto';
import { describe, expect, it } from 'vitest';
import { KvError } from '../../src/errors.js';
import { applyLeaseGrant, applyLeaseRevoke, leaseLeasesResponse } from '../../src/lease/lease-apply.js';
import { LeaseIdGenerator } from '../../src/lease/lease-id.js';
import { BufferLeaseSink, type LeaseRecord, type LeaseSink, loadLeaseRecords } from '../../src/lease/lease-persist.js';
import { Lessor } from '../../src/lease/lessor.js';
import { defaultLessorConfig, minLeaseTtlSecondsFor } from '../../src/lease/lessor-config.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { MvccStore } from '../../src/mvcc/mvcc-store.js';
import { WriteBuffer } from '../../src/mvcc/write-buffer.js';
import { b, get, put } from '../mvcc/helpers.js';

class NullSink implements LeaseSink {
  readonly puts: LeaseRecord[] = [];
  readonly deletes: bigint[] = [];
  putLease(r: LeaseRecord): void {
    this.puts.push(r);
  }
  deleteLease(id: bigint): void {
    this.deletes.push(id);
  }
}

const config = { ...defaultLessorConfig(), minLeaseTtlSeconds: 5, maxLeaseTtlSeconds: 1000, expiredRetryMs: 3000 };

describe('Lessor', () => {
  it('grants with the minimum TTL, refuses duplicates and huge TTLs', () => {
    const sink = new NullSink();
    const lessor = new Lessor(sink, [], config);
    expect(lessor.grant(1n, 2n, 0)).toEqual({ ID: 1n, TTL: 5n });
    expect(lessor.grant(2n, 60n, 0)).toEqual({ ID: 2n, TTL: 60n });
    expect(() => lessor.grant(1n, 60n, 0)).toThrow(new KvError('LeaseExist'));
    expect(() => lessor.grant(3n, 1001n, 0)).toThrowError('etcdserver: too large lease TTL');
    expect(sink.puts).toEqual([
      { id: 1n, ttlSeconds: 5n },
      { id: 2n, ttlSeconds: 60n },
    ]);
    expect(lessor.leases()).toEqual([1n, 2n]);
  });

  it('expires only on the primary, in expiry order, and renew pushes expiry out', () => {
    const lessor = new Lessor(new NullSink(), [], config);
    lessor.grant(1n, 10n, 0);
    lessor.grant(2n, 20n, 0);
    expect(lessor.expired(1_000_000, 10)).toEqual([]); // a follower never expires leases
    lessor.promote(0, 0);
    expect(lessor.expired(9_999, 10)).toEqual([]);
    expect(lessor.renew(1n, 5_000)).toBe(10n); // now expires at 15s
    expect(lessor.expired(10_000, 10)).toEqual([]);
    expect(lessor.expired(20_000, 10)).toEqual([1n, 2n]);
    // handed out again only after the retry interval
    expect(lessor.expired(21_000, 10)).toEqual([]);
    expect(lessor.expired(23_000, 10)).toEqual([1n, 2n]);
    expect(lessor.expired(30_000, 1)).toHaveLength(1);
  });

  it('refuses renew on a follower and of an expired or unknown lease', () => {
    const lessor = new Lessor(new NullSink(), [], config);
    lessor.grant(1n, 10n, 0);
    expect(() => lessor.renew(1n, 0)).toThrow(new KvError('NotPrimary'));
    lessor.promote(0, 0);
    expect(() => lessor.renew(1n, 10_000)).toThrow(new KvError('LeaseNotFound'));
    expect(() => lessor.renew(9n, 0)).toThrowError('etcdserver: requested lease not found');
  });

  it('promote gives every lease a fresh window (no mass expiry after failover); demote stops expiry', () => {
    const lessor = new Lessor(new NullSink(), [], config);
    lessor.grant(1n, 10n, 0);
    lessor.promote(0, 0);
    lessor.demote();
    expect(lessor.expired(100_000, 10)).toEqual([]);
    lessor.promote(100_000, 2_000);
    expect(lessor.expired(111_999, 10)).toEqual([]);
    expect(lessor.expired(112_000, 10)).toEqual([1n]);
  });

  it('timeToLive reports remaining, granted and keys; unknown is -1', () => {
    const lessor = new Lessor(new NullSink(), [], config);
    lessor.grant(1n, 10n, 0);
    lessor.attach(1n, b('k2'));
    lessor.attach(1n, b('k1'));
    expect(lessor.timeToLive(1n, 0, false)).toEqual({ ID: 1n, TTL: 10n, grantedTTL: 10n, keys: [] });
    lessor.promote(0, 0);
    const ttl = lessor.timeToLive(1n, 3_500, true);
    expect([ttl.TTL, ttl.grantedTTL, ttl.keys.map(String)]).toEqual([6n, 10n, ['k1', 'k2']]);
    expect(lessor.timeToLive(7n, 0, true).TTL).toBe(-1n);
    lessor.detach(1n, b('k1'));
    expect(lessor.keysOf(1n).map(String)).toEqual(['k2']);
  });

  it('revoke through the store deletes the attached keys in one revision and persists', async () => {
    const backend = new MemoryBackend();
    const buffer = new WriteBuffer(backend);
    const lessor = new Lessor(new BufferLeaseSink(buffer), await loadLeaseRecords(backend), config);
    const store = await MvccStore.open(buffer, { leases: lessor });
    expect(applyLeaseGrant(store, lessor, etcdserverpb.LeaseGrantRequest.create({ ID: 5n, TTL: 30n }), 0).TTL).toBe(
      30n,
    );
    applyLeaseGrant(store, lessor, etcdserverpb.LeaseGrantRequest.create({ ID: 6n, TTL: 30n }), 0);
    put(store, 'a', '1', { lease: 5n }); // 2
    put(store, 'b', '1', { lease: 5n }); // 3
    put(store, 'c', '1', { lease: 6n }); // 4
    put(store, 'b', '2', { lease: 6n }); // 5: b moves to lease 6
    expect(lessor.keysOf(5n).map(String)).toEqual(['a']);
    store.setConsistentIndex(9n);
    await store.flush();

    // restart: leases and their keys come back from the backend
    const buffer2 = new WriteBuffer(backend);
    const lessor2 = new Lessor(new BufferLeaseSink(buffer2), await loadLeaseRecords(backend), config);
    const store2 = await MvccStore.open(buffer2, { leases: lessor2 });
    expect(lessor2.leases()).toEqual([5n, 6n]);
    expect(lessor2.keysOf(6n).map(String)).toEqual(['b', 'c']);

    const resp = applyLeaseRevoke(store2, lessor2, etcdserverpb.LeaseRevokeRequest.create({ ID: 6n }));
    expect(resp.header?.revision).toBe(6n);
    expect(get(store2, 'b').kvs).toEqual([]);
    expect(get(store2, 'c').kvs).toEqual([]);
    expect(get(store2, 'a').kvs).toHaveLength(1);
    expect(() => applyLeaseRevoke(store2, lessor2, etcdserverpb.LeaseRevokeRequest.create({ ID: 6n }))).toThrow(
      new KvError('LeaseNotFound'),
    );
    expect(leaseLeasesResponse(store2, lessor2).leases).toEqual([{ ID: 5n }]);
    await store2.flush();
    expect((await loadLeaseRecords(backend)).map((r) => r.id)).toEqual([5n]);
  });

  it('revoking a lease with no keys does not bump the revision', async () => {
    const buffer = new WriteBuffer(new MemoryBackend());
    const lessor = new Lessor(new BufferLeaseSink(buffer), [], config);
    const store = await MvccStore.open(buffer, { leases: lessor });
    lessor.grant(1n, 10n, 0);
    expect(applyLeaseRevoke(store, lessor, etcdserverpb.LeaseRevokeRequest.create({ ID: 1n })).header?.revision).toBe(
      1n,
    );
  });
});

describe('lease ids and config', () => {
  it('generates distinct positive ids, skipping taken ones, same seed same sequence', () => {
    const g1 = new LeaseIdGenerator(0xabcdn, 41n);
    const g2 = new LeaseIdGenerator(0xabcdn, 41n);
    const taken = new Set([(0xabcdn << 47n) | 44n]);
    const ids = [g1.next(), g1.next(), g1.next((id) => taken.has(id))];
    expect(new Set(ids).size).toBe(3);
    expect(ids.every((id) => id > 0n)).toBe(true);
    expect(ids[0]).toBe((0xabcdn << 47n) | 42n);
    expect(ids[2]).toBe((0xabcdn << 47n) | 45n);
    expect(g2.next()).toBe(ids[0]);
  });

  it("computes etcd's minimum TTL from the raft timing", () => {
    expect(minLeaseTtlSecondsFor(100, 10)).toBe(2);
    expect(minLeaseTtlSecondsFor(500, 10)).toBe(8);
  });
});
