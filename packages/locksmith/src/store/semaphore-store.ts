/** A value with the store revision that last modified it (etcd's mod_revision). */
export interface VersionedValue {
  readonly value: string;
  readonly modRevision: bigint;
}

/**
 * The narrow seam between locksmith and its store. Two implementations: the in-memory one in
 * `@coreos-ts/locksmith/testing`, and one over `@coreos-ts/kv-client` (etcd v3 and kvd), both held
 * to test/semaphore-store-conformance.ts.
 *
 * Over etcd v3: get = Range; createIfAbsent = Txn(If(CreateRevision(key) = 0), Then(Put));
 * compareAndSwap = Txn(If(ModRevision(key) = expected), Then(Put)); putLiveness = Put with a
 * lease of that TTL kept alive by a session; deleteLiveness = DeleteRange; exists = Range with
 * count_only.
 *
 * Failures to reach the store are thrown as LocksmithError('store-unavailable', ...), so the
 * edges (gRPC, FleetLock) answer UNAVAILABLE / 503 rather than an internal error.
 */
export interface SemaphoreStore {
  get(key: string): Promise<VersionedValue | undefined>;
  /** Writes `value` only if `key` does not exist; true if this call created it. */
  createIfAbsent(key: string, value: string): Promise<boolean>;
  /** Writes `value` only if `key` exists with this mod revision; true if it did. */
  compareAndSwap(key: string, expectedModRevision: bigint, value: string): Promise<boolean>;
  /**
   * Writes `key` bound to a lease of `leaseTtlSeconds` that this process keeps alive: the key
   * disappears at most that long after the process dies (or loses the store), or on deleteLiveness.
   */
  putLiveness(key: string, leaseTtlSeconds: number): Promise<void>;
  deleteLiveness(key: string): Promise<void>;
  exists(key: string): Promise<boolean>;
}
