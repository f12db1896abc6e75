import type { SemaphoreStore, VersionedValue } from '../store/semaphore-store.js';

interface Entry {
  value: string;
  modRevision: bigint;
  /** Set for liveness keys: the lease TTL they were written with. */
  leaseTtlSeconds?: number;
}

/**
 * An in-memory SemaphoreStore with etcd's revision semantics (one revision counter for the whole
 * store, bumped by every write). Liveness keys live until deleted or until a test expires them
 * (the lease of a dead process running out).
 */
export class MemorySemaphoreStore implements SemaphoreStore {
  private readonly entries = new Map<string, Entry>();
  private revision = 0n;
  private interference: ((key: string) => void) | undefined;
  /** How many compare-and-swap calls this store has answered (for tests of retries). */
  compareAndSwapCalls = 0;

  async get(key: string): Promise<VersionedValue | undefined> {
    const entry = this.entries.get(key);
    return entry ? { value: entry.value, modRevision: entry.modRevision } : undefined;
  }

  async createIfAbsent(key: string, value: string): Promise<boolean> {
    if (this.entries.has(key)) return false;
    this.write(key, value);
    return true;
  }

  async compareAndSwap(key: string, expectedModRevision: bigint, value: string): Promise<boolean> {
    this.compareAndSwapCalls++;
    this.interference?.(key);
    const entry = this.entries.get(key);
    if (!entry || entry.modRevision !== expectedModRevision) return false;
    this.write(key, value);
    return true;
  }

  async putLiveness(key: string, leaseTtlSeconds: number): Promise<void> {
    this.write(key, '', leaseTtlSeconds);
  }

  async deleteLiveness(key: string): Promise<void> {
    if (this.entries.delete(key)) this.revision++;
  }

  async exists(key: string): Promise<boolean> {
    return this.entries.has(key);
  }

  /** Writes a key unconditionally (another writer, or a hand edit with etcdctl). */
  put(key: string, value: string): void {
    this.write(key, value);
  }

  /** The lease behind a liveness key ran out: the key is gone. */
  expireLiveness(key: string): void {
    const entry = this.entries.get(key);
    if (entry?.leaseTtlSeconds === undefined) throw new Error(`${key} is not a liveness key`);
    this.entries.delete(key);
    this.revision++;
  }

  /** The TTL a liveness key was written with, if it exists and is one. */
  leaseTtlOf(key: string): number | undefined {
    return this.entries.get(key)?.leaseTtlSeconds;
  }

  /** Runs `fn` just before every compare-and-swap compares: a place to simulate a racing writer. */
  interfere(fn: ((key: string) => void) | undefined): void {
    this.interference = fn;
  }

  private write(key: string, value: string, leaseTtlSeconds?: number): void {
    this.revision++;
    this.entries.set(key, {
      value,
      modRevision: this.revision,
      ...(leaseTtlSeconds === undefined ? {} : { leaseTtlSeconds }),
    });
  }
}
