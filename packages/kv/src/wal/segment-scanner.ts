// Parses one segment file's bytes into sealed batches and judges its end (pure, no I/O).
//
// A batch is the records of one write followed by a batchEnd that names its sequence number,
// start offset and record count; only sealed batches are replayed, so a save is atomic. Since
// every save is synced before the next begins, only the last batch of the last segment can be
// torn by a crash. Damage is therefore a torn tail, which is dropped, only when nothing valid
// follows it but pieces of that one batch; anything else is refused as corruption.

import { decodeRecordAt, plausibleRecordAt, RECORD_HEADER_BYTES, type WalRecord } from './record-codec.js';
import { WalCorruptError } from './wal-errors.js';

export interface ScannedSegment {
  seq: number;
  firstIndex: number;
  /** Sealed batches, in order, without their batchEnd records. */
  batches: ScannedBatch[];
  /** Offset after the last sealed batch: where the next write goes. */
  endOffset: number;
  /** Sequence number of the last sealed batch. */
  lastBatchSeq: number;
  /** Set when bytes after endOffset are a torn batch that must be zeroed before appending. */
  tornTail: null | { failureOffset: number; reason: string; dirtyEnd: number };
}

export interface ScannedBatch {
  start: number;
  end: number;
  records: WalRecord[];
}

export interface ScanOptions {
  file: string;
  isLast: boolean;
  maxRecordBytes: number;
  /** The sequence number the first batch must carry, or null if unknown (first segment read). */
  expectedBatchSeq: number | null;
}

export function scanSegment(buf: Buffer, opts: ScanOptions): ScannedSegment {
  const batches: ScannedBatch[] = [];
  let pending: WalRecord[] = [];
  let batchStart = 0;
  let lastSeq = opts.expectedBatchSeq === null ? null : opts.expectedBatchSeq - 1;
  let offset = 0;
  // `hard`: a checksummed record that is inconsistent, which no torn write produces.
  let failure: { offset: number; reason: string; hard: boolean } | null = null;
  while (offset < buf.length) {
    const r = decodeRecordAt(buf, offset, opts.maxRecordBytes);
    if (!r.ok) {
      failure = { offset, reason: r.reason, hard: false };
      break;
    }
    const rec = r.record;
    if (rec.type === 'batchEnd') {
      const problem = checkSeal(rec, batchStart, pending.length, lastSeq);
      if (problem !== null) {
        failure = { offset, reason: problem, hard: true };
        break;
      }
      batches.push({ start: batchStart, end: r.next, records: pending });
      pending = [];
      lastSeq = rec.seq;
      batchStart = r.next;
    } else {
      pending.push(rec);
    }
    offset = r.next;
  }
  if (failure === null && offset > batchStart)
    failure = { offset, reason: 'unsealed batch at end of file', hard: false };

  const header = checkHeader(batches[0], opts.file);
  if (lastSeq === null) throw new WalCorruptError(opts.file, 0, 'no sealed batch');
  const scanned: ScannedSegment = {
    seq: header.seq,
    firstIndex: header.firstIndex,
    batches,
    endOffset: batchStart,
    lastBatchSeq: lastSeq,
    tornTail: null,
  };
  if (failure === null) return scanned;
  if (!opts.isLast || failure.hard) throw new WalCorruptError(opts.file, failure.offset, failure.reason);
  const dirtyEnd = lastNonZero(buf, batchStart) + 1;
  if (dirtyEnd === 0) return scanned; // clean zero-filled (preallocated) tail
  const verdict = judgeTail(buf, failure.offset, batchStart, lastSeq, opts.maxRecordBytes);
  if (verdict !== null) throw new WalCorruptError(opts.file, failure.offset, `${failure.reason}; ${verdict}`);
  scanned.tornTail = { failureOffset: failure.offset, reason: failure.reason, dirtyEnd };
  return scanned;
}

function checkSeal(
  rec: Extract<WalRecord, { type: 'batchEnd' }>,
  batchStart: number,
  count: number,
  lastSeq: number | null,
): string | null {
  if (rec.startOffset !== batchStart) return `batchEnd start ${rec.startOffset} != ${batchStart}`;
  if (rec.recordCount !== count) return `batchEnd count ${rec.recordCount} != ${count}`;
  if (count === 0) return 'empty batch';
  if (lastSeq !== null && rec.seq !== lastSeq + 1) return `batch seq ${rec.seq} after ${lastSeq}`;
  return null;
}

function checkHeader(first: ScannedBatch | undefined, file: string): { seq: number; firstIndex: number } {
  const head = first?.records[0];
  if (head === undefined || head.type !== 'segmentHeader') {
    throw new WalCorruptError(file, 0, 'segment does not start with a valid header batch');
  }
  const meta = first?.records[1];
  if (meta === undefined || meta.type !== 'metadata')
    throw new WalCorruptError(file, 0, 'header batch has no metadata');
  return head;
}

function lastNonZero(buf: Buffer, from: number): number {
  for (let i = buf.length - 1; i >= from; i--) if (buf[i] !== 0) return i;
  return -1;
}

/**
 * Null if everything valid after the failure can belong to the single batch that was being
 * written at the crash (the one after `lastSeq`, starting at `batchStart`); else why not.
 */
function judgeTail(
  buf: Buffer,
  failureOffset: number,
  batchStart: number,
  lastSeq: number,
  maxRecordBytes: number,
): string | null {
  let seal: WalRecord | null = null;
  for (let p = failureOffset + 8; p + RECORD_HEADER_BYTES <= buf.length; p += 8) {
    if (!plausibleRecordAt(buf, p, maxRecordBytes)) continue;
    const r = decodeRecordAt(buf, p, maxRecordBytes);
    if (!r.ok) continue;
    if (seal !== null) return `valid record at offset ${p} after a batch seal`;
    if (r.record.type === 'batchEnd') {
      if (r.record.seq !== lastSeq + 1 || r.record.startOffset !== batchStart) {
        return `valid batch ${r.record.seq} follows at offset ${p}`;
      }
      seal = r.record;
    }
  }
  return null;
}
