import { ClassicLevel } from 'classic-level';
import type { Backend, BackendOp, KeyRange } from './backend.js';

export interface LevelBackendOptions {
  /** fsync each batch (LevelDB `sync: true`). Default true. */
  readonly syncWrites?: boolean;
}

/** Rows, and bytes, a scan reads from LevelDB per batch. */
const scanBatchRows = 4096;
const scanBatchBytes = 1024 * 1024;

/** A key outside every bucket, written by sync(). */
const syncMarkerKey = Buffer.from([0x00, 0x73]);

/** The LevelDB Backend (classic-level): point reads via getSync, scans via iterators. */
export class LevelBackend implements Backend {
  private constructor(
    private readonly db: ClassicLevel<Buffer, Buffer>,
    private readonly syncWrites: boolean,
  ) {}

  static async open(dir: string, options: LevelBackendOptions = {}): Promise<LevelBackend> {
    const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    return new LevelBackend(db, options.syncWrites ?? true);
  }

  get(key: Buffer): Buffer | undefined {
    return this.db.getSync(key);
  }

  async *entries(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    // Large batches (classic-level stops a batch at highWaterMarkBytes, 16 KiB by default), and
    // the next one is read on the thread pool while this one is consumed. A scan reads every
    // row once: it does not fill LevelDB's block cache.
    const it = this.db.iterator({
      gte: range.gte,
      lt: range.lt,
      highWaterMarkBytes: scanBatchBytes,
      fillCache: false,
    });
    let next: Promise<[Buffer, Buffer][]> | undefined = it.nextv(scanBatchRows);
    try {
      for (;;) {
        const rows = await next;
        next = undefined;
        if (rows.length === 0) return;
        next = it.nextv(scanBatchRows);
        for (const row of rows) yield row;
      }
    } finally {
      // a read still in flight must finish before the iterator closes (its error is moot)
      await next?.catch(() => {});
      await it.close();
    }
  }

  /** LevelDB compaction over the whole key space: reclaims the space of deleted data. */
  async compact(): Promise<void> {
    await this.db.compactRange(Buffer.alloc(0), Buffer.from([0xff, 0xff]));
  }

  async write(ops: readonly BackendOp[]): Promise<void> {
    if (ops.length === 0) return;
    // a chained batch: several times cheaper per op than the array form, which validates and
    // copies every op in JS before handing the array to LevelDB
    const batch = this.db.batch();
    for (const op of ops) {
      if (op.type === 'put') batch.put(op.key, op.value);
      else batch.del(op.key);
    }
    await batch.write({ sync: this.syncWrites });
  }

  /** Makes every earlier write durable (LevelDB syncs its log, which holds them all). */
  async sync(): Promise<void> {
    await this.db.batch([{ type: 'put', key: syncMarkerKey, value: Buffer.alloc(0) }], { sync: true });
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
