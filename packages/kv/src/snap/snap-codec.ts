// The snapshot file format (pure encode/decode of its fixed parts):
//
//   header   32 bytes: u32 magic | u32 version | u32 metadataBytes | u32 0 | u64 dataBytes |
//                      u32 crc32(header[0..24]) | u32 0
//   metadata metadataBytes: u64 index | u64 term | 4 x (u32 count | count x u64 id) | u8 autoLeave
//   data     dataBytes
//   trailer  8 bytes: u32 crc32(metadata + data) | u32 end magic
//
// The header has its own checksum so its lengths can be trusted before anything is allocated.

import { crc32 } from '../wal/crc32.js';
import type { ConfState, SnapshotMetadata } from '../wal/raft-types.js';
import { isU64BigInt, isU64Number, readU64, writeU64 } from '../wal/u64.js';
import { SnapError } from './snap-errors.js';

export const SNAP_HEADER_BYTES = 32;
export const SNAP_TRAILER_BYTES = 8;
const MAGIC = 0x504e5343; // 'CSNP'
const END_MAGIC = 0x43534e50;
const VERSION = 1;
export const MAX_IDS_PER_LIST = 65_536;
export const MAX_METADATA_BYTES = 16 + 4 * (4 + 8 * MAX_IDS_PER_LIST) + 1;

const lists = ['voters', 'learners', 'votersOutgoing', 'learnersNext'] as const;

export function encodeMetadata(m: SnapshotMetadata): Buffer {
  if (!isU64Number(m.index) || !isU64Number(m.term)) {
    throw new SnapError('invalid-argument', `snap: metadata (index ${m.index}, term ${m.term}) out of range`);
  }
  let size = 17;
  for (const l of lists) {
    const ids = m.confState[l];
    if (ids.length > MAX_IDS_PER_LIST || !ids.every(isU64BigInt)) {
      throw new SnapError('invalid-argument', `snap: confState.${l} has too many or out-of-range ids`);
    }
    size += 4 + 8 * ids.length;
  }
  const buf = Buffer.alloc(size);
  writeU64(buf, m.index, 0);
  writeU64(buf, m.term, 8);
  let at = 16;
  for (const l of lists) {
    const ids = m.confState[l];
    buf.writeUInt32LE(ids.length, at);
    at += 4;
    for (const id of ids) {
      buf.writeBigUInt64LE(id, at);
      at += 8;
    }
  }
  buf[at] = m.confState.autoLeave ? 1 : 0;
  return buf;
}

/** The metadata, or a reason it is malformed. */
export function decodeMetadata(buf: Buffer): SnapshotMetadata | string {
  if (buf.length < 17) return 'metadata too short';
  const index = readU64(buf, 0);
  const term = readU64(buf, 8);
  if (index < 0 || term < 0) return 'metadata index or term out of range';
  let at = 16;
  const confState: ConfState = { voters: [], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false };
  for (const l of lists) {
    if (at + 4 > buf.length) return 'metadata truncated';
    const n = buf.readUInt32LE(at);
    at += 4;
    if (n > MAX_IDS_PER_LIST || at + 8 * n > buf.length) return `metadata list ${l} truncated`;
    for (let i = 0; i < n; i++, at += 8) confState[l].push(buf.readBigUInt64LE(at));
  }
  if (at + 1 !== buf.length) return 'metadata has trailing bytes';
  const autoLeave = buf[at];
  if (autoLeave !== 0 && autoLeave !== 1) return 'metadata autoLeave is not a boolean';
  confState.autoLeave = autoLeave === 1;
  return { index, term, confState };
}

export function encodeHeader(metadataBytes: number, dataBytes: number): Buffer {
  const buf = Buffer.alloc(SNAP_HEADER_BYTES);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(VERSION, 4);
  buf.writeUInt32LE(metadataBytes, 8);
  writeU64(buf, dataBytes, 16);
  buf.writeUInt32LE(crc32(buf.subarray(0, 24)), 24);
  return buf;
}

/** The lengths in a header, or a reason it is not a valid one. */
export function decodeHeader(buf: Buffer): { metadataBytes: number; dataBytes: number } | string {
  if (buf.length < SNAP_HEADER_BYTES) return 'file shorter than its header';
  if (buf.readUInt32LE(0) !== MAGIC) return 'bad magic';
  if (crc32(buf.subarray(0, 24)) !== buf.readUInt32LE(24)) return 'header crc mismatch';
  if (buf.readUInt32LE(4) !== VERSION) return `unsupported version ${buf.readUInt32LE(4)}`;
  const metadataBytes = buf.readUInt32LE(8);
  const dataBytes = readU64(buf, 16);
  if (metadataBytes > MAX_METADATA_BYTES || dataBytes < 0) return 'header lengths out of range';
  return { metadataBytes, dataBytes };
}

export function encodeTrailer(crc: number): Buffer {
  const buf = Buffer.alloc(SNAP_TRAILER_BYTES);
  buf.writeUInt32LE(crc >>> 0, 0);
  buf.writeUInt32LE(END_MAGIC, 4);
  return buf;
}

/** A reason the trailer does not match `crc`, or null. */
export function checkTrailer(buf: Buffer, crc: number): string | null {
  if (buf.readUInt32LE(4) !== END_MAGIC) return 'bad end magic';
  if (buf.readUInt32LE(0) !== crc >>> 0) return 'crc mismatch';
  return null;
}
