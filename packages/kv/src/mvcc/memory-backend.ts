import type { Backend, BackendOp, KeyRange } from './backend.js';
import { SortedMap } from './sorted-map.js';

/** The in-memory Backend: for tests and for members that need no durability. */
export class MemoryBackend implements Backend {
  private readonly data = new SortedMap<Buffer>();
  private closed = false;

  get(key: Buffer): Buffer | undefined {
    this.assertOpen();
    return this.data.get(key.toString('latin1'));
  }

  async *entries(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    this.assertOpen();
    // Snapshot first: a scan sees the state at its start, like a LevelDB iterator.
    const rows: [Buffer, Buffer][] = [];
    for (const [k, v] of this.data.range(range.gte.toString('latin1'), range.lt.toString('latin1'))) {
      rows.push([Buffer.from(k, 'latin1'), v]);
    }
    yield* rows;
  }

  async write(ops: readonly BackendOp[]): Promise<void> {
    this.assertOpen();
    for (const op of ops) {
      const k = op.key.toString('latin1');
      if (op.type === 'put') this.data.set(k, Buffer.from(op.value));
      else this.data.delete(k);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('memory backend: closed');
  }
}
