// The WAL record format (pure encode/decode, no I/O).
//
//   record := u32le bodyLength | u32le crc32(body) | body | zero padding to 8 bytes
//   body   := u8 type | type-specific fields (u64 fields little-endian, at 8-byte offsets)
//
// Records are 8-byte aligned so a scan for valid records after damage only has to look at
// aligned offsets. A body is never empty, so an all-zero header (preallocated space) is never
// a valid record.

import { crc32 } from './crc32.js';
import type { Entry, HardState } from './raft-types.js';
import { readU64, writeU64 } from './u64.js';
import type { SnapshotMarker, WalMetadata } from './wal-types.js';

export const RECORD_HEADER_BYTES = 8;
export const SEGMENT_MAGIC = 0x4c415743; // 'CWAL' read as u32le
export const FORMAT_VERSION = 1;

const typeCodes = {
  segmentHeader: 1,
  metadata: 2,
  entry: 3,
  hardState: 4,
  snapshot: 5,
  batchEnd: 6,
} as const;

export type WalRecord =
  | { type: 'segmentHeader'; seq: number; firstIndex: number }
  | { type: 'metadata'; metadata: WalMetadata }
  | { type: 'entry'; entry: Entry }
  | { type: 'hardState'; hardState: HardState }
  | { type: 'snapshot'; marker: SnapshotMarker }
  /** Seals a batch: `recordCount` records starting at `startOffset` of this segment. */
  | { type: 'batchEnd'; seq: number; startOffset: number; recordCount: number };

const FIXED_BODY_BYTES = 24;
const HARD_STATE_BODY_BYTES = 32;
export const ENTRY_BODY_OVERHEAD_BYTES = 24;

export function align8(n: number): number {
  return (n + 7) & ~7;
}

export function bodyLength(record: WalRecord): number {
  switch (record.type) {
    case 'entry':
      return ENTRY_BODY_OVERHEAD_BYTES + record.entry.data.byteLength;
    case 'hardState':
      return HARD_STATE_BODY_BYTES;
    default:
      return FIXED_BODY_BYTES;
  }
}

export function encodedLength(record: WalRecord): number {
  return align8(RECORD_HEADER_BYTES + bodyLength(record));
}

/**
 * Writes `record` at `offset` of `buf`, which must be zero-filled there (padding is not
 * written). Returns the offset after the record.
 */
export function encodeRecord(record: WalRecord, buf: Buffer, offset: number): number {
  const len = bodyLength(record);
  const b = offset + RECORD_HEADER_BYTES;
  buf[b] = typeCodes[record.type];
  switch (record.type) {
    case 'segmentHeader':
      buf[b + 1] = FORMAT_VERSION;
      buf.writeUInt32LE(SEGMENT_MAGIC, b + 4);
      writeU64(buf, record.seq, b + 8);
      writeU64(buf, record.firstIndex, b + 16);
      break;
    case 'metadata':
      buf.writeBigUInt64LE(record.metadata.clusterId, b + 8);
      buf.writeBigUInt64LE(record.metadata.memberId, b + 16);
      break;
    case 'entry':
      buf[b + 1] = record.entry.type;
      writeU64(buf, record.entry.term, b + 8);
      writeU64(buf, record.entry.index, b + 16);
      buf.set(record.entry.data, b + ENTRY_BODY_OVERHEAD_BYTES);
      break;
    case 'hardState':
      writeU64(buf, record.hardState.term, b + 8);
      buf.writeBigUInt64LE(record.hardState.vote, b + 16);
      writeU64(buf, record.hardState.commit, b + 24);
      break;
    case 'snapshot':
      writeU64(buf, record.marker.index, b + 8);
      writeU64(buf, record.marker.term, b + 16);
      break;
    case 'batchEnd':
      buf.writeUInt32LE(record.recordCount, b + 4);
      writeU64(buf, record.seq, b + 8);
      writeU64(buf, record.startOffset, b + 16);
      break;
  }
  buf.writeUInt32LE(len, offset);
  buf.writeUInt32LE(crc32(buf.subarray(b, b + len)), offset + 4);
  return offset + align8(RECORD_HEADER_BYTES + len);
}

/** Cheap pre-check before a checksum: could a record start at `offset`? */
export function plausibleRecordAt(buf: Buffer, offset: number, maxBodyBytes: number): boolean {
  if (offset + RECORD_HEADER_BYTES + 1 > buf.length) return false;
  const len = buf.readUInt32LE(offset);
  if (len === 0 || len > maxBodyBytes || offset + RECORD_HEADER_BYTES + len > buf.length) return false;
  const type = buf[offset + RECORD_HEADER_BYTES] ?? 0;
  if (type === typeCodes.entry) return len >= ENTRY_BODY_OVERHEAD_BYTES;
  if (type === typeCodes.hardState) return len === HARD_STATE_BODY_BYTES;
  return type >= typeCodes.segmentHeader && type <= typeCodes.batchEnd && len === FIXED_BODY_BYTES;
}

export type DecodeResult = { ok: true; record: WalRecord; next: number } | { ok: false; reason: string };

function fail(reason: string): DecodeResult {
  return { ok: false, reason };
}

/** Decodes and verifies the record at `offset` (8-aligned); never throws on bad input. */
export function decodeRecordAt(buf: Buffer, offset: number, maxBodyBytes: number): DecodeResult {
  if (offset + RECORD_HEADER_BYTES > buf.length) return fail('short record header');
  const len = buf.readUInt32LE(offset);
  const crc = buf.readUInt32LE(offset + 4);
  if (len === 0) return crc === 0 ? fail('zero-filled space') : fail('zero-length record');
  if (len > maxBodyBytes) return fail(`record length ${len} exceeds the limit ${maxBodyBytes}`);
  const b = offset + RECORD_HEADER_BYTES;
  const next = offset + align8(RECORD_HEADER_BYTES + len);
  if (next > buf.length) return fail(`record length ${len} runs past the end of the file`);
  const body = buf.subarray(b, b + len);
  if (crc32(body) !== crc) return fail('crc mismatch');
  for (let i = b + len; i < next; i++) if (buf[i] !== 0) return fail('non-zero padding');
  const record = decodeBody(body);
  if (typeof record === 'string') return fail(record);
  return { ok: true, record, next };
}

function reservedZero(body: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (body[i] !== 0) return false;
  return true;
}

function decodeBody(body: Buffer): WalRecord | string {
  const type = body[0];
  if (type === typeCodes.entry) return decodeEntry(body);
  if (type === typeCodes.hardState) {
    if (body.length !== HARD_STATE_BODY_BYTES || !reservedZero(body, 1, 8)) return 'malformed hardState record';
    const term = readU64(body, 8);
    const commit = readU64(body, 24);
    if (term < 0 || commit < 0) return 'hardState field out of range';
    return { type: 'hardState', hardState: { term, vote: body.readBigUInt64LE(16), commit } };
  }
  if (body.length !== FIXED_BODY_BYTES) return `record type ${String(type)} has length ${body.length}`;
  const a = readU64(body, 8);
  const c = readU64(body, 16);
  switch (type) {
    case typeCodes.segmentHeader:
      if (body[1] !== FORMAT_VERSION) return `unsupported format version ${String(body[1])}`;
      if (body.readUInt32LE(4) !== SEGMENT_MAGIC || body[2] !== 0 || body[3] !== 0) return 'bad segment magic';
      if (a < 0 || c < 0) return 'segment header field out of range';
      return { type: 'segmentHeader', seq: a, firstIndex: c };
    case typeCodes.metadata:
      if (!reservedZero(body, 1, 8)) return 'malformed metadata record';
      return {
        type: 'metadata',
        metadata: { clusterId: body.readBigUInt64LE(8), memberId: body.readBigUInt64LE(16) },
      };
    case typeCodes.snapshot:
      if (!reservedZero(body, 1, 8) || a < 0 || c < 0) return 'malformed snapshot record';
      return { type: 'snapshot', marker: { index: a, term: c } };
    case typeCodes.batchEnd:
      if (!reservedZero(body, 1, 4) || a < 0 || c < 0) return 'malformed batchEnd record';
      return { type: 'batchEnd', seq: a, startOffset: c, recordCount: body.readUInt32LE(4) };
    default:
      return `unknown record type ${String(type)}`;
  }
}

function decodeEntry(body: Buffer): WalRecord | string {
  if (body.length < ENTRY_BODY_OVERHEAD_BYTES) return 'short entry record';
  const entryType = body[1] ?? 255;
  if (entryType > 2 || !reservedZero(body, 2, 8)) return 'malformed entry record';
  const term = readU64(body, 8);
  const index = readU64(body, 16);
  if (term < 0 || index < 1) return 'entry field out of range';
  // Copy: a view would keep the whole segment buffer alive.
  const data = Buffer.from(body.subarray(ENTRY_BODY_OVERHEAD_BYTES));
  return { type: 'entry', entry: { term, index, type: entryType, data } };
}
