import { KvError } from '../errors.js';

interface Waiter<T> {
  resolve(value: T): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * Proposals waiting for their entry to apply, by request id. Bounded: beyond `pendingMax` a new
 * proposal is refused (etcd's "too many requests"); each waits at most `timeoutMs`.
 */
export class WaitRegistry<T> {
  private readonly waiters = new Map<bigint, Waiter<T>>();

  constructor(
    private readonly pendingMax: number,
    private readonly timeoutMs: number,
  ) {}

  get size(): number {
    return this.waiters.size;
  }

  /** Registers a waiter for `id`; throws TooManyRequests when full. */
  register(id: bigint): Promise<T> {
    if (this.waiters.size >= this.pendingMax) throw new KvError('TooManyRequests');
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new KvError('Timeout'));
      }, this.timeoutMs);
      this.waiters.set(id, { resolve, reject, timer });
    });
  }

  /** Whether someone on this member waits for `id` (so the result is worth computing in full). */
  has(id: bigint): boolean {
    return this.waiters.has(id);
  }

  trigger(id: bigint, value: T): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    clearTimeout(w.timer);
    w.resolve(value);
  }

  fail(id: bigint, err: unknown): void {
    const w = this.waiters.get(id);
    if (!w) return;
    this.waiters.delete(id);
    clearTimeout(w.timer);
    w.reject(err);
  }

  failAll(err: unknown): void {
    for (const id of [...this.waiters.keys()]) this.fail(id, err);
  }
}
