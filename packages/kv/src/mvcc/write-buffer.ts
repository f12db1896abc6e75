import type { Backend, BackendOp } from './backend.js';

type Overlay = Map<string, Buffer | null>;

/**
 * Collects the writes of one apply round (MVCC revisions, leases, meta) over a Backend and
 * writes them as ONE atomic batch on flush(). Reads see staged and in-flight writes first, so
 * the state machine stays synchronous while the batch is on its way to disk. Flushes are
 * serialized: batches reach the backend in the order they were cut.
 */
export class WriteBuffer {
  private staged: Overlay = new Map();
  private readonly inflight: Overlay[] = [];
  private tail: Promise<void> = Promise.resolve();

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

  /** Writes everything staged so far as one atomic batch; resolves once it is on the backend. */
  flush(): Promise<void> {
    if (this.staged.size === 0) return this.tail;
    const batch = this.staged;
    this.staged = new Map();
    this.inflight.push(batch);
    const ops: BackendOp[] = [];
    for (const [k, v] of batch) {
      const key = Buffer.from(k, 'latin1');
      ops.push(v === null ? { type: 'del', key } : { type: 'put', key, value: v });
    }
    this.tail = this.tail.then(async () => {
      await this.backend.write(ops);
      const i = this.inflight.indexOf(batch);
      if (i >= 0) this.inflight.splice(i, 1);
    });
    return this.tail;
  }
}
