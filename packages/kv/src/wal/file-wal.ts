// The WAL on disk: segment files in `<data-dir>/member/wal`, one durable write per save (the
// segment is open with O_DSYNC). Opening it (replay) lives in file-wal-open.ts.

import { constants } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { batchBytes, encodeBatch, encodeBatchChunks } from './batch-encoder.js';
import { fsyncDir, writeFully } from './fs-util.js';
import type { Entry, HardState } from './raft-types.js';
import { ENTRY_BODY_OVERHEAD_BYTES, type WalRecord } from './record-codec.js';
import { type SegmentName, segmentFileName } from './segment-name.js';
import type { FileWalConfig } from './wal-config.js';
import { WalError } from './wal-errors.js';
import type { SnapshotMarker, Wal, WalMetadata } from './wal-types.js';
import type { WriteState } from './write-state.js';

/** A save is written in buffers of at most this size (one write for any ordinary batch). */
const WRITE_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * How a segment is open for appending: O_DSYNC makes each write return only once its data (and
 * the metadata needed to read it back) is on disk, like a write followed by fdatasync, but in
 * one system call: one round trip through the thread pool per save instead of two.
 */
export const SEGMENT_OPEN_FLAGS = constants.O_RDWR | constants.O_DSYNC;

/** A snapshot marker and the segment holding it. */
export interface PlacedMarker {
  marker: SnapshotMarker;
  seq: number;
}

/** Where the WAL stands after create or replay. */
export interface FileWalPosition {
  segments: SegmentName[];
  handle: FileHandle;
  offset: number;
  headerEnd: number;
  nextBatchSeq: number;
  markers: PlacedMarker[];
}

export class FileWal implements Wal {
  private readonly config: FileWalConfig;
  private readonly metadata: WalMetadata;
  private readonly state: WriteState;
  private pos: FileWalPosition;
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  private failure: unknown = null;

  constructor(config: FileWalConfig, metadata: WalMetadata, state: WriteState, pos: FileWalPosition) {
    this.config = config;
    this.metadata = metadata;
    this.state = state;
    this.pos = pos;
  }

  save(hardState: HardState | null, entries: readonly Entry[]): Promise<void> {
    return this.serially(async () => {
      if (hardState === null && entries.length === 0) return;
      this.state.validateSave(hardState, entries, this.config.maxRecordBytes - ENTRY_BODY_OVERHEAD_BYTES);
      const records: WalRecord[] = entries.map((entry) => ({ type: 'entry', entry }));
      if (hardState !== null) records.push({ type: 'hardState', hardState });
      await this.writeBatch(records);
      this.state.saved(hardState, entries);
    });
  }

  saveSnapshotMarker(marker: SnapshotMarker): Promise<void> {
    return this.serially(async () => {
      this.state.validateMarker(marker);
      const m = { index: marker.index, term: marker.term };
      await this.writeBatch([{ type: 'snapshot', marker: m }]);
      this.state.marked(m);
      this.pos.markers.push({ marker: m, seq: this.currentSegment().seq });
    });
  }

  releaseTo(index: number): Promise<void> {
    return this.serially(async () => {
      const keepSeq = this.firstSegmentToKeep(index);
      if (keepSeq === null) return;
      const doomed = this.pos.segments.filter((s) => s.seq < (keepSeq as number));
      if (doomed.length === 0) return;
      // Oldest first, so a crash midway leaves a contiguous run of segments.
      for (const s of doomed) {
        await unlink(join(this.config.dir, s.name)).catch((err: NodeJS.ErrnoException) => {
          if (err.code !== 'ENOENT') throw err; // gone already: an earlier release failed midway
        });
      }
      await fsyncDir(this.config.dir);
      this.pos.segments = this.pos.segments.filter((s) => s.seq >= (keepSeq as number));
      this.pos.markers = this.pos.markers.filter((m) => m.seq >= (keepSeq as number));
    });
  }

  /**
   * Replay from marker m needs m's own record and the live entries after m.index. Those are
   * all in or after the last segment that started at or below m.index + 1: a live entry
   * written earlier would have been truncated away before that segment began. Newer markers
   * sit in the same or later segments and need a subset of those entries, so keeping what m
   * needs keeps what the newest marker needs too.
   *
   * If no remaining segment started at or below m.index + 1, that segment was released
   * already (a release to a newer marker came first): m is older than what is kept, and
   * nothing may be deleted on its account. Falling back to m's own segment here would drop
   * the entries the newer marker still needs.
   */
  private firstSegmentToKeep(index: number): number | null {
    let placed: PlacedMarker | null = null;
    for (const m of this.pos.markers) if (m.marker.index <= index) placed = m;
    if (placed === null) return null;
    let entriesSeq: number | null = null;
    for (const s of this.pos.segments) if (s.firstIndex <= placed.marker.index + 1) entriesSeq = s.seq;
    return entriesSeq === null ? null : Math.min(placed.seq, entriesSeq);
  }

  lastIndex(): number {
    return this.state.lastIndex;
  }

  /** The segment file names currently on disk, oldest first. */
  segmentNames(): string[] {
    return this.pos.segments.map((s) => s.name);
  }

  close(): Promise<void> {
    return this.serially(async () => {
      this.closed = true;
      await this.pos.handle.close();
    });
  }

  private serially<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.closed) throw new WalError('closed', 'wal: closed');
      if (this.failure !== null) {
        throw new WalError('failed', 'wal: an earlier write or sync failed; the wal must be reopened', {
          cause: this.failure,
        });
      }
      return fn();
    });
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  private currentSegment(): SegmentName {
    const s = this.pos.segments[this.pos.segments.length - 1];
    if (s === undefined) throw new Error('wal has no segment');
    return s;
  }

  private async writeBatch(records: WalRecord[]): Promise<void> {
    const size = batchBytes(records);
    if (this.pos.offset + size > this.config.segmentBytes && this.pos.offset > this.pos.headerEnd) {
      await this.guard(() => this.cut());
    }
    const chunks = encodeBatchChunks(records, this.pos.offset, this.pos.nextBatchSeq, WRITE_CHUNK_BYTES);
    await this.guard(async () => {
      const start = this.config.nowMs();
      let at = this.pos.offset;
      for (const chunk of chunks) {
        await writeFully(this.pos.handle, chunk, at); // durable on return: O_DSYNC
        at += chunk.length;
      }
      this.warnIfSlow(this.config.nowMs() - start, size);
    });
    this.pos.offset += size;
    this.pos.nextBatchSeq += 1;
  }

  /** A failed write or sync leaves the file in an unknown state: refuse everything after it. */
  private async guard(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.failure = err;
      throw new WalError('failed', 'wal: write or sync failed', { cause: err });
    }
  }

  private warnIfSlow(durationMs: number, bytes: number): void {
    if (durationMs > this.config.slowSyncMs) {
      this.config.logger.warn(
        { durationMs, expectedMs: this.config.slowSyncMs, bytes, segment: this.currentSegment().name },
        'slow wal sync',
      );
    }
  }

  /** Closes the full segment at its used length and starts the next one. */
  private async cut(): Promise<void> {
    const old = this.currentSegment();
    await this.pos.handle.truncate(this.pos.offset);
    await this.pos.handle.sync();
    await this.pos.handle.close();
    const seg = await createSegment(this.config, {
      seq: old.seq + 1,
      firstIndex: this.state.lastIndex + 1,
      batchSeq: this.pos.nextBatchSeq,
      records: [],
      metadata: this.metadata,
      hardState: this.state.hardState,
    });
    this.pos.segments.push(seg.segment);
    this.pos.handle = seg.handle;
    this.pos.offset = seg.offset;
    this.pos.headerEnd = seg.offset;
    this.pos.nextBatchSeq += 1;
  }
}

export interface NewSegment {
  seq: number;
  firstIndex: number;
  batchSeq: number;
  metadata: WalMetadata;
  hardState: HardState;
  /** Extra records for the header batch. */
  records: WalRecord[];
}

/**
 * Writes a segment under a temporary name (preallocated, header batch, synced) and renames
 * it into place, so a segment file that exists always has a valid header.
 */
export async function createSegment(
  config: FileWalConfig,
  s: NewSegment,
  dir: string = config.dir,
): Promise<{ segment: SegmentName; handle: FileHandle; offset: number }> {
  const name = segmentFileName(s.seq, s.firstIndex);
  const tmp = join(dir, `${name}.tmp`);
  const records: WalRecord[] = [
    { type: 'segmentHeader', seq: s.seq, firstIndex: s.firstIndex },
    { type: 'metadata', metadata: s.metadata },
    { type: 'hardState', hardState: s.hardState },
    ...s.records,
  ];
  const buf = encodeBatch(records, 0, s.batchSeq);
  const handle = await open(tmp, SEGMENT_OPEN_FLAGS | constants.O_CREAT | constants.O_TRUNC);
  try {
    await handle.truncate(Math.max(config.segmentBytes, buf.length));
    await writeFully(handle, buf, 0);
    await handle.sync();
    await rename(tmp, join(dir, name));
    await fsyncDir(dir);
  } catch (err) {
    await handle.close();
    throw err;
  }
  return { segment: { seq: s.seq, firstIndex: s.firstIndex, name }, handle, offset: buf.length };
}
