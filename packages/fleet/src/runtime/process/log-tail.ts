/**
 * Follows a unit's log file (the process writes it directly, so it survives us) into the
 * unit's RingLog, and keeps the file bounded: past `fileBytesMax` it is copied to `<file>.1`
 * and truncated (the writer's O_APPEND descriptor carries on at the new end). Output written
 * between the copy and the truncation is lost; a bounded file is worth that small gap.
 */
import { copyFile, open, stat, truncate } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { RingLog } from '../ring-log.js';

/** Most bytes read per poll; a burst larger than this skips ahead to the newest output. */
const READ_BYTES_MAX = 1024 * 1024;

export class LogTail {
  private offset: number;
  private decoder = new StringDecoder('utf8');
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;

  constructor(
    readonly path: string,
    private readonly log: RingLog,
    private readonly fileBytesMax: number,
    startOffset = 0,
  ) {
    this.offset = startOffset;
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => void this.poll().catch(() => {}), intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reads whatever was appended since the last poll (concurrent callers share one read). */
  poll(): Promise<void> {
    this.polling ??= this.readNew().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async readNew(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      return;
    }
    if (size < this.offset) {
      this.offset = 0;
      this.decoder = new StringDecoder('utf8');
    }
    if (size - this.offset > READ_BYTES_MAX) this.offset = size - READ_BYTES_MAX;
    if (size > this.offset) {
      const handle = await open(this.path, 'r');
      try {
        const buffer = Buffer.alloc(size - this.offset);
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
        this.offset += bytesRead;
        this.log.write(this.decoder.write(buffer.subarray(0, bytesRead)));
      } finally {
        await handle.close();
      }
    }
    if (this.offset > this.fileBytesMax) {
      await copyFile(this.path, `${this.path}.1`);
      await truncate(this.path, 0);
      this.offset = 0;
    }
  }
}
