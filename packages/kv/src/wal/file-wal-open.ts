// Creating a WAL directory, and opening one: read every segment, verify, replay, repair a
// torn tail.

import { mkdir, open, readFile, rename, rm, rmdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createSegment, FileWal, type PlacedMarker, SEGMENT_OPEN_FLAGS } from './file-wal.js';
import { fsyncDir, listDir } from './fs-util.js';
import { LogReplayer, ReplayInconsistency } from './log-replayer.js';
import { emptyHardState } from './raft-types.js';
import { parseSegmentFileName, type SegmentName } from './segment-name.js';
import { type ScannedSegment, scanSegment } from './segment-scanner.js';
import { type FileWalConfig, validateFileWalConfig } from './wal-config.js';
import { WalCorruptError, WalError, WalMetadataMismatchError } from './wal-errors.js';
import type { SnapshotMarker, WalMetadata, WalOpenExpectations, WalReplay } from './wal-types.js';
import { WriteState } from './write-state.js';

/** True if `dir` holds at least one segment file. */
export async function walExists(dir: string): Promise<boolean> {
  const names = await listDir(dir);
  return names?.some((n) => parseSegmentFileName(n) !== null) ?? false;
}

/** Creates a new WAL in `config.dir` (which must not hold one) for this cluster member. */
export async function createFileWal(config: FileWalConfig, metadata: WalMetadata): Promise<FileWal> {
  validateFileWalConfig(config);
  if (await walExists(config.dir)) throw new WalError('exists', `wal: ${config.dir} already holds a wal`);
  // Build it under a temporary name and rename the directory: a WAL directory is whole or absent.
  const tmpDir = `${config.dir}.tmp`;
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  const marker = { index: 0, term: 0 };
  const seg = await createSegment(
    config,
    {
      seq: 0,
      firstIndex: 1,
      batchSeq: 0,
      metadata,
      hardState: emptyHardState,
      records: [{ type: 'snapshot', marker }],
    },
    tmpDir,
  );
  try {
    await rmdir(config.dir).catch((err: NodeJS.ErrnoException) => {
      // Never delete a directory that holds anything.
      if (err.code === 'ENOTEMPTY') throw new WalError('exists', `wal: ${config.dir} is not empty`);
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(tmpDir, config.dir);
    await fsyncDir(dirname(config.dir));
  } catch (err) {
    await seg.handle.close();
    throw err;
  }
  return new FileWal(config, metadata, new WriteState(0, marker, emptyHardState), {
    segments: [seg.segment],
    handle: seg.handle,
    offset: seg.offset,
    headerEnd: seg.offset,
    nextBatchSeq: 1,
    markers: [{ marker, seq: 0 }],
  });
}

/** Opens and replays the WAL in `config.dir`. Throws WalError (see codes) if it cannot. */
export async function openFileWal(
  config: FileWalConfig,
  expect: WalOpenExpectations = {},
): Promise<{ wal: FileWal; replay: WalReplay }> {
  validateFileWalConfig(config);
  const segments = await listSegments(config.dir);
  const replayer = new LogReplayer(expect.snapshot ?? null);
  const markers: PlacedMarker[] = [];
  let expectedBatchSeq: number | null = null;
  let last: { scanned: ScannedSegment; file: string } | null = null;
  for (const [i, seg] of segments.entries()) {
    const file = join(config.dir, seg.name);
    const scanned = scanSegment(await readFile(file), {
      file,
      isLast: i === segments.length - 1,
      maxRecordBytes: config.maxRecordBytes,
      expectedBatchSeq,
    });
    if (scanned.seq !== seg.seq || scanned.firstIndex !== seg.firstIndex) {
      throw new WalCorruptError(file, 0, `header (seq ${scanned.seq}, first index ${scanned.firstIndex}) != name`);
    }
    replaySegment(replayer, scanned, file, markers);
    expectedBatchSeq = scanned.lastBatchSeq + 1;
    last = { scanned, file };
  }
  if (last === null || expectedBatchSeq === null) throw new WalError('not-found', `wal: no segment in ${config.dir}`);
  let replay: WalReplay;
  try {
    replay = replayer.result();
  } catch (err) {
    if (err instanceof ReplayInconsistency) throw new WalCorruptError(last.file, 0, err.message);
    throw err;
  }
  if (
    expect.metadata !== undefined &&
    (expect.metadata.clusterId !== replay.metadata.clusterId || expect.metadata.memberId !== replay.metadata.memberId)
  ) {
    throw new WalMetadataMismatchError(expect.metadata, replay.metadata);
  }
  const handle = await open(last.file, SEGMENT_OPEN_FLAGS);
  const { endOffset, tornTail } = last.scanned;
  if (tornTail !== null) {
    // Zero everything after the last sealed batch so stale bytes can never be read as records.
    await handle.truncate(endOffset);
    await handle.truncate(Math.max(endOffset, config.segmentBytes));
    await handle.sync();
    config.logger.warn(
      {
        file: last.file,
        offset: endOffset,
        failureOffset: tornTail.failureOffset,
        reason: tornTail.reason,
        droppedBytes: tornTail.dirtyEnd - endOffset,
      },
      'wal torn tail truncated',
    );
  }
  const state = new WriteState(replayer.lastIndex(), replayer.latestMarker(), replay.hardState);
  const firstBatch = last.scanned.batches[0];
  const wal = new FileWal(config, replay.metadata, state, {
    segments,
    handle,
    offset: endOffset,
    headerEnd: firstBatch === undefined ? endOffset : firstBatch.end,
    nextBatchSeq: expectedBatchSeq,
    markers,
  });
  return { wal, replay };
}

/**
 * The snapshot markers in the WAL, oldest first, without replaying or repairing it: on start
 * the server loads the newest snapshot file that has a marker (Snapshotter.loadNewest with an
 * accept filter), then opens the WAL at that marker.
 */
export async function listSnapshotMarkers(config: FileWalConfig): Promise<SnapshotMarker[]> {
  validateFileWalConfig(config);
  const segments = await listSegments(config.dir, false);
  const markers: SnapshotMarker[] = [];
  for (const [i, seg] of segments.entries()) {
    const file = join(config.dir, seg.name);
    const scanned = scanSegment(await readFile(file), {
      file,
      isLast: i === segments.length - 1,
      maxRecordBytes: config.maxRecordBytes,
      expectedBatchSeq: null,
    });
    for (const b of scanned.batches) for (const r of b.records) if (r.type === 'snapshot') markers.push(r.marker);
  }
  return markers;
}

async function listSegments(dir: string, removeStrays = true): Promise<SegmentName[]> {
  const names = await listDir(dir);
  if (names === null) throw new WalError('not-found', `wal: ${dir} does not exist`);
  if (removeStrays) for (const n of names) if (n.endsWith('.wal.tmp')) await unlink(join(dir, n));
  const segments = names
    .map(parseSegmentFileName)
    .filter((s): s is SegmentName => s !== null)
    .sort((a, b) => a.seq - b.seq);
  if (segments.length === 0) throw new WalError('not-found', `wal: no segment in ${dir}`);
  for (let i = 1; i < segments.length; i++) {
    const prev = segments[i - 1] as SegmentName;
    const cur = segments[i] as SegmentName;
    if (cur.seq !== prev.seq + 1) {
      throw new WalCorruptError(join(dir, cur.name), 0, `segment ${prev.seq + 1} is missing`);
    }
  }
  return segments;
}

function replaySegment(replayer: LogReplayer, scanned: ScannedSegment, file: string, markers: PlacedMarker[]): void {
  let batchOffset = 0;
  try {
    replayer.startSegment(scanned.firstIndex);
    for (const batch of scanned.batches) {
      batchOffset = batch.start;
      for (const r of batch.records) {
        if (r.type === 'segmentHeader' || r.type === 'batchEnd') continue;
        if (r.type === 'snapshot') markers.push({ marker: r.marker, seq: scanned.seq });
        replayer.apply(r);
      }
    }
  } catch (err) {
    if (err instanceof ReplayInconsistency) throw new WalCorruptError(file, batchOffset, err.message);
    throw err;
  }
}
