import type { Backend, BackendOp } from './backend.js';

type Overlay = Map<string, Buffer | null>;

/**
 * Collects the writes of one apply round (MVCC revisions, leases, meta) over a Backend and
 * writes them atomically on flush(). Reads see staged and in-flight writes first, so the state
 * machine stays synchronous while a batch is on its way to disk. Batches reach the backend one
 * at a time, in the order they were cut; the rounds cut while one is being written go to the
 * backend together as the next batch (group commit: each round's effects and applied index stay
 * atomic, and a crash keeps a prefix of the rounds).
 */
export class WriteBuffer {
  private staged: Overlay = new Map();
  /** Rounds cut and not yet on the backend, oldest first. */
  private readonly inflight: Overlay[] = [];
  private tail: Promise<void> = Promise.resolve();
  /** A batch is being written. */
  private writing = false;
  /** A write is queued behind it: it takes every round cut until it starts. */
  private queued = false;
  /** A write failed: nothing later is written (the tail stays rejected). */
  private failed = false;

  constructor(readonly backend: Backend) {}

  get(key: Buffer): Buffer | undefined {
    const k = key.toString('latin1');
    const staged = this.staged.get(k);
    if (staged !== undefined) return staged ?? undefined;
    for (let i = this.inflight.length - 1; i >= 0; i--) {
      const v = (this.inflight[i] as Overlay).get(k);
      if (v !== undefined) return v ?? undefined;
    }
    return this.backend.get(key);
  }

  put(key: Buffer, value: Buffer): void {
    this.staged.set(key.toString('latin1'), value);
  }

  del(key: Buffer): void {
    this.staged.set(key.toString('latin1'), null);
  }

  /** Number of writes staged since the last flush. */
  get stagedCount(): number {
    return this.staged.size;
  }

  /** Writes everything staged so far atomically; resolves once it is on the backend. */
  flush(): Promise<void> {
    if (this.staged.size === 0) return this.tail;
    this.inflight.push(this.staged);
    this.staged = new Map();
    if (this.queued || this.failed) return this.tail; // the queued write takes this round along
    if (this.writing) {
      this.queued = true;
      this.tail = this.tail.then(() => {
        this.queued = false;
        return this.writeCut();
      });
    } else {
      this.tail = this.writeCut();
    }
    return this.tail;
  }

  /** Writes every round cut so far as one batch (a later round's write of a key wins). */
  private async writeCut(): Promise<void> {
    const rounds = this.inflight.length;
    let merged = this.inflight[0] as Overlay;
    if (rounds > 1) {
      merged = new Map(merged);
      for (let i = 1; i < rounds; i++) for (const [k, v] of this.inflight[i] as Overlay) merged.set(k, v);
    }
    const ops: BackendOp[] = [];
    for (const [k, v] of merged) {
      const key = Buffer.from(k, 'latin1');
      ops.push(v === null ? { type: 'del', key } : { type: 'put', key, value: v });
    }
    this.writing = true;
    try {
      await this.backend.write(ops);
    } catch (err) {
      this.failed = true;
      throw err;
    } finally {
      this.writing = false;
    }
    this.inflight.splice(0, rounds);
  }
}
