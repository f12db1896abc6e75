import assert from 'node:assert';
import { KvError } from '../errors.js';
import type { LeaseAttachments } from '../mvcc/mvcc-config.js';
import { ExpiryHeap } from './expiry-heap.js';
import type { LeaseRecord, LeaseSink } from './lease-persist.js';
import { defaultLessorConfig, type LessorConfig, validateLessorConfig } from './lessor-config.js';

interface Lease {
  readonly id: bigint;
  readonly ttlSeconds: bigint;
  /** When it expires; Infinity while this member is not the primary. */
  expiryMs: number;
  /** Attached keys as latin1 strings. */
  readonly keys: Set<string>;
}

export interface LeaseTimeToLive {
  readonly ID: bigint;
  /** Remaining seconds; -1 for an unknown lease (the server answers TTL=-1, not an error). */
  readonly TTL: bigint;
  readonly grantedTTL: bigint;
  readonly keys: Buffer[];
}

/**
 * The lease state machine (like etcd's lessor). Grants, revokes and attachments come from the
 * apply loop and are deterministic; time enters only as `nowMs` arguments. Only the primary
 * (the member that is raft leader) tracks expiry: expired() tells it which leases to propose
 * revoking; followers keep every lease forever until a revoke is applied.
 */
export class Lessor implements LeaseAttachments {
  private readonly leaseMap = new Map<bigint, Lease>();
  private readonly heap = new ExpiryHeap();
  private primary = false;
  private readonly config: LessorConfig;

  constructor(
    private readonly sink: LeaseSink,
    records: readonly LeaseRecord[] = [],
    config: LessorConfig = defaultLessorConfig(),
  ) {
    this.config = validateLessorConfig(config);
    for (const r of records)
      this.leaseMap.set(r.id, { id: r.id, ttlSeconds: r.ttlSeconds, expiryMs: Infinity, keys: new Set() });
  }

  isPrimary(): boolean {
    return this.primary;
  }

  /** Applies a grant. The id was chosen before proposing (by the client or a LeaseIdGenerator). */
  grant(id: bigint, ttlSeconds: bigint, nowMs: number): { ID: bigint; TTL: bigint } {
    assert.ok(id > 0n, 'lessor: grant needs a positive lease id');
    if (ttlSeconds > BigInt(this.config.maxLeaseTtlSeconds)) throw new KvError('LeaseTtlTooLarge');
    if (this.leaseMap.has(id)) throw new KvError('LeaseExist');
    if (this.leaseMap.size >= this.config.leasesMax) throw new KvError('TooManyRequests');
    const min = BigInt(this.config.minLeaseTtlSeconds);
    const ttl = ttlSeconds < min ? min : ttlSeconds;
    const lease: Lease = { id, ttlSeconds: ttl, expiryMs: Infinity, keys: new Set() };
    this.leaseMap.set(id, lease);
    if (this.primary) this.refresh(lease, nowMs, 0);
    this.sink.putLease({ id, ttlSeconds: ttl });
    return { ID: id, TTL: ttl };
  }

  /** The keys attached to a lease, sorted (the ones a revoke deletes). */
  keysOf(id: bigint): Buffer[] {
    const lease = this.leaseMap.get(id);
    if (lease === undefined) throw new KvError('LeaseNotFound');
    return [...lease.keys].sort().map((k) => Buffer.from(k, 'latin1'));
  }

  /** Applies a revoke: forgets the lease; returns the keys that were attached. */
  revoke(id: bigint): Buffer[] {
    const keys = this.keysOf(id);
    this.leaseMap.delete(id);
    this.sink.deleteLease(id);
    return keys;
  }

  exists(id: bigint): boolean {
    return this.leaseMap.has(id);
  }

  attach(id: bigint, key: Buffer): void {
    const lease = this.leaseMap.get(id);
    if (lease === undefined) throw new KvError('LeaseNotFound');
    lease.keys.add(key.toString('latin1'));
  }

  detach(id: bigint, key: Buffer): void {
    this.leaseMap.get(id)?.keys.delete(key.toString('latin1'));
  }

  /** A keepalive on the primary: a fresh TTL window. Returns the granted TTL. */
  renew(id: bigint, nowMs: number): bigint {
    if (!this.primary) throw new KvError('NotPrimary');
    const lease = this.leaseMap.get(id);
    // an expired lease is about to be revoked: refuse to bring it back
    if (lease === undefined || lease.expiryMs <= nowMs) throw new KvError('LeaseNotFound');
    this.refresh(lease, nowMs, 0);
    return lease.ttlSeconds;
  }

  timeToLive(id: bigint, nowMs: number, withKeys: boolean): LeaseTimeToLive {
    const lease = this.leaseMap.get(id);
    if (lease === undefined) return { ID: id, TTL: -1n, grantedTTL: 0n, keys: [] };
    let remaining = lease.ttlSeconds;
    if (Number.isFinite(lease.expiryMs)) remaining = BigInt(Math.max(0, Math.floor((lease.expiryMs - nowMs) / 1000)));
    return { ID: id, TTL: remaining, grantedTTL: lease.ttlSeconds, keys: withKeys ? this.keysOf(id) : [] };
  }

  /** Every lease id, ascending. */
  leases(): bigint[] {
    return [...this.leaseMap.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * On the primary: up to `max` leases whose time is up, for the server to propose revoking.
   * Each one handed out is handed out again only after expiredRetryMs if still not revoked.
   */
  expired(nowMs: number, max: number): bigint[] {
    if (!this.primary) return [];
    const out: bigint[] = [];
    while (out.length < max) {
      const top = this.heap.peek();
      if (top === undefined || top.expiryMs > nowMs) break;
      this.heap.pop();
      const lease = this.leaseMap.get(top.id);
      if (lease === undefined || lease.expiryMs !== top.expiryMs) continue; // stale entry
      out.push(lease.id);
      lease.expiryMs = nowMs + this.config.expiredRetryMs;
      this.heap.push({ expiryMs: lease.expiryMs, id: lease.id });
    }
    return out;
  }

  /** Becoming leader: every lease gets a full TTL window from now + extendMs (no mass expiry). */
  promote(nowMs: number, extendMs: number): void {
    this.primary = true;
    for (const lease of this.leaseMap.values()) {
      lease.expiryMs = nowMs + extendMs + Number(lease.ttlSeconds) * 1000;
    }
    this.rebuildHeap();
  }

  /** Losing leadership: leases stop expiring here. */
  demote(): void {
    this.primary = false;
    for (const lease of this.leaseMap.values()) lease.expiryMs = Infinity;
    this.heap.reset([]);
  }

  private refresh(lease: Lease, nowMs: number, extendMs: number): void {
    lease.expiryMs = nowMs + extendMs + Number(lease.ttlSeconds) * 1000;
    this.heap.push({ expiryMs: lease.expiryMs, id: lease.id });
    if (this.heap.size > 2 * this.leaseMap.size + 1024) this.rebuildHeap();
  }

  private rebuildHeap(): void {
    const entries = [...this.leaseMap.values()]
      .filter((l) => Number.isFinite(l.expiryMs))
      .map((l) => ({ expiryMs: l.expiryMs, id: l.id }));
    this.heap.reset(entries);
  }
}
