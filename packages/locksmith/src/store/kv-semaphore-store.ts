import { type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import {
  compare,
  type KvClient,
  KvError,
  LeaseNotFoundError,
  op,
  Session,
  UnknownOutcomeError,
} from '@coreos-ts/kv-client';
import { LocksmithError } from '../errors.js';
import type { SemaphoreStore, VersionedValue } from './semaphore-store.js';

export interface KvSemaphoreStoreOptions {
  /** The client to reach etcd v3 or kvd with; the store does not close it. */
  client: KvClient;
  log?: Logger;
}

/**
 * The SemaphoreStore over an etcd v3 API (etcd itself or kvd), through kv-client:
 *
 * - get            Range(key), serializable false (linearizable);
 * - createIfAbsent Txn(If(CreateRevision(key) = 0), Then(Put(key, value)));
 * - compareAndSwap Txn(If(Version(key) > 0, ModRevision(key) = expected), Then(Put(key, value)));
 * - putLiveness    Put(key, "", lease) on a Session of that TTL (one per TTL, re-created when lost);
 * - deleteLiveness DeleteRange(key); exists = Range(key, count_only).
 *
 * Every kv-client failure becomes LocksmithError('store-unavailable'). A write whose answer was
 * lost (UnknownOutcomeError) may have applied: it is reported as unavailable, never as a lost
 * race, and the caller retries the whole operation; locksmith's operations are idempotent for a
 * holder (a lock already held succeeds without change, an unlock of a slot not held is a no-op
 * for unlockIfHeld), so the retry converges.
 */
export class KvSemaphoreStore implements SemaphoreStore {
  private readonly client: KvClient;
  private readonly log: Logger;
  /** lease TTL -> its session (being) created; bounded by the distinct TTLs used (one in practice). */
  private readonly sessions = new Map<number, Promise<Session>>();
  private static readonly SESSIONS_MAX = 16;
  private readonly retired = new WeakSet<Session>();
  private closed = false;

  constructor(options: KvSemaphoreStoreOptions) {
    this.client = options.client;
    this.log = options.log ?? silentLogger;
  }

  async get(key: string): Promise<VersionedValue | undefined> {
    const kv = await this.call('get', key, () => this.client.getKv(key));
    return kv ? { value: kv.valueString, modRevision: kv.modRevision } : undefined;
  }

  async createIfAbsent(key: string, value: string): Promise<boolean> {
    const result = await this.call('create', key, () =>
      this.client
        .txn()
        .if(compare.createRevision(key, '=', 0))
        .andThen(op.put(key, value))
        .commit(),
    );
    return result.succeeded;
  }

  async compareAndSwap(key: string, expectedModRevision: bigint, value: string): Promise<boolean> {
    const result = await this.call('compare-and-swap', key, () =>
      this.client
        .txn()
        .if(compare.version(key, '>', 0), compare.modRevision(key, '=', expectedModRevision))
        .andThen(op.put(key, value))
        .commit(),
    );
    return result.succeeded;
  }

  async putLiveness(key: string, leaseTtlSeconds: number): Promise<void> {
    const session = await this.session(leaseTtlSeconds);
    try {
      await this.call('put-liveness', key, () => this.client.put(key, '', { lease: session.leaseId }));
    } catch (err) {
      // The lease expired or was revoked before the session noticed: replace it once, at once.
      if (!(err instanceof LocksmithError && err.cause instanceof LeaseNotFoundError)) throw err;
      this.dropSession(leaseTtlSeconds, session);
      const fresh = await this.session(leaseTtlSeconds);
      await this.call('put-liveness', key, () => this.client.put(key, '', { lease: fresh.leaseId }));
    }
  }

  async deleteLiveness(key: string): Promise<void> {
    await this.call('delete-liveness', key, () => this.client.delete(key));
  }

  async exists(key: string): Promise<boolean> {
    const result = await this.call('exists', key, () => this.client.get(key, { countOnly: true }));
    return result.count > 0n;
  }

  /**
   * Revokes the liveness leases (their keys disappear at once, as if this process had died and
   * its leases had run out). The client stays open: it belongs to the caller. Throws
   * store-unavailable if a revoke failed; that lease then expires after its TTL.
   */
  async close(): Promise<void> {
    this.closed = true;
    const pending = [...this.sessions.values()];
    this.sessions.clear();
    const sessions = (await Promise.allSettled(pending)).flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const revokes = sessions.map(async (session) => {
      session.orphan();
      try {
        await this.call('revoke-lease', session.leaseId.toString(16), () => this.client.lease.revoke(session.leaseId));
      } catch (err) {
        if (!(err instanceof LocksmithError && err.cause instanceof LeaseNotFoundError)) throw err;
      }
    });
    const failed = (await Promise.allSettled(revokes)).find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Stops renewing a session whose lease is gone; session() replaces it on next use. */
  private dropSession(ttlSeconds: number, session: Session): void {
    this.log.warn(
      { leaseTtlSeconds: ttlSeconds, leaseId: session.leaseId.toString(16) },
      'liveness lease not found, granting a new one',
    );
    this.retired.add(session);
    session.orphan();
  }

  /** The live session for this TTL: created on first use and again after a loss (lease expired). */
  private async session(ttlSeconds: number): Promise<Session> {
    if (this.closed) throw new LocksmithError('store-unavailable', 'the semaphore store is closed');
    const existing = this.sessions.get(ttlSeconds);
    if (existing) {
      const session = await existing.catch(() => undefined);
      if (session && !session.isLost && !this.retired.has(session)) return session;
      if (this.sessions.get(ttlSeconds) === existing) this.sessions.delete(ttlSeconds);
      return this.session(ttlSeconds);
    }
    if (this.sessions.size >= KvSemaphoreStore.SESSIONS_MAX) {
      throw new LocksmithError(
        'invalid-argument',
        `at most ${KvSemaphoreStore.SESSIONS_MAX} distinct liveness lease TTLs per store`,
      );
    }
    const created = this.call('grant-lease', '', () => Session.create(this.client, { ttlSeconds }));
    this.sessions.set(ttlSeconds, created);
    try {
      return await created;
    } catch (err) {
      if (this.sessions.get(ttlSeconds) === created) this.sessions.delete(ttlSeconds);
      throw err;
    }
  }

  private async call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof KvError)) throw err;
      const outcome = err instanceof UnknownOutcomeError ? ' (outcome unknown: it may have applied)' : '';
      this.log.debug({ operation, key, code: err.code, reason: err.message }, 'kv call failed');
      throw new LocksmithError('store-unavailable', `kv ${operation} ${key} failed${outcome}: ${err.message}`, {
        cause: err,
      });
    }
  }
}
