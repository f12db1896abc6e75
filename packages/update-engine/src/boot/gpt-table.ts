// GPT header and partition-entry codec on buffers (UEFI spec, chapter 5). Pure: the disk I/O
// lives in gpt-disk.ts. Every change recomputes the entry-array CRC and the header CRC.
import { crc32 } from 'node:zlib';

export const SECTOR_BYTES = 512;
const SIGNATURE = 'EFI PART';
const HEADER_CRC_OFFSET = 16;
const NAME_OFFSET = 56;
const NAME_BYTES = 72;

export interface GptHeader {
  readonly headerBytes: number;
  readonly headerCrc: number;
  readonly currentLba: bigint;
  readonly backupLba: bigint;
  readonly firstUsableLba: bigint;
  readonly lastUsableLba: bigint;
  readonly entriesLba: bigint;
  readonly entryCount: number;
  readonly entryBytes: number;
  readonly entriesCrc: number;
}

export interface GptEntry {
  readonly index: number;
  readonly typeGuid: string;
  readonly uniqueGuid: string;
  readonly firstLba: bigint;
  readonly lastLba: bigint;
  readonly attributes: bigint;
  readonly name: string;
}

export class GptFormatError extends Error {
  override readonly name = 'GptFormatError';
}

export function parseGptHeader(sector: Buffer): GptHeader {
  if (sector.subarray(0, 8).toString('latin1') !== SIGNATURE) throw new GptFormatError('no GPT signature');
  const headerBytes = sector.readUInt32LE(12);
  if (headerBytes < 92 || headerBytes > sector.length) throw new GptFormatError(`bad GPT header size ${headerBytes}`);
  const header: GptHeader = {
    headerBytes,
    headerCrc: sector.readUInt32LE(HEADER_CRC_OFFSET),
    currentLba: sector.readBigUInt64LE(24),
    backupLba: sector.readBigUInt64LE(32),
    firstUsableLba: sector.readBigUInt64LE(40),
    lastUsableLba: sector.readBigUInt64LE(48),
    entriesLba: sector.readBigUInt64LE(72),
    entryCount: sector.readUInt32LE(80),
    entryBytes: sector.readUInt32LE(84),
    entriesCrc: sector.readUInt32LE(88),
  };
  if (header.entryBytes < 128 || header.entryCount > 4096) throw new GptFormatError('bad GPT entry geometry');
  if (computeHeaderCrc(sector, headerBytes) !== header.headerCrc) throw new GptFormatError('GPT header CRC mismatch');
  return header;
}

function computeHeaderCrc(sector: Buffer, headerBytes: number): number {
  const copy = Buffer.from(sector.subarray(0, headerBytes));
  copy.writeUInt32LE(0, HEADER_CRC_OFFSET);
  return crc32(copy);
}

export function entriesByteLength(header: GptHeader): number {
  return header.entryCount * header.entryBytes;
}

export function verifyEntriesCrc(header: GptHeader, entries: Buffer): boolean {
  return crc32(entries.subarray(0, entriesByteLength(header))) === header.entriesCrc;
}

export function parseGptEntries(header: GptHeader, entries: Buffer): GptEntry[] {
  const out: GptEntry[] = [];
  for (let i = 0; i < header.entryCount; i++) {
    const at = i * header.entryBytes;
    const typeGuid = formatGuid(entries.subarray(at, at + 16));
    if (typeGuid === '00000000-0000-0000-0000-000000000000') continue;
    const rawName = entries.subarray(at + NAME_OFFSET, at + NAME_OFFSET + NAME_BYTES).toString('utf16le');
    const nul = rawName.indexOf('\u0000');
    out.push({
      index: i,
      typeGuid,
      uniqueGuid: formatGuid(entries.subarray(at + 16, at + 32)),
      firstLba: entries.readBigUInt64LE(at + 32),
      lastLba: entries.readBigUInt64LE(at + 40),
      attributes: entries.readBigUInt64LE(at + 48),
      name: nul === -1 ? rawName : rawName.slice(0, nul),
    });
  }
  return out;
}

/** Returns a copy of the entry array with entry `index`'s attribute word replaced. */
export function withEntryAttributes(header: GptHeader, entries: Buffer, index: number, attributes: bigint): Buffer {
  if (index < 0 || index >= header.entryCount) throw new RangeError(`no GPT entry ${index}`);
  const copy = Buffer.from(entries.subarray(0, entriesByteLength(header)));
  copy.writeBigUInt64LE(attributes, index * header.entryBytes + 48);
  return copy;
}

/** Returns a copy of the header sector carrying the entry-array CRC and a fresh header CRC. */
export function sealGptHeader(sector: Buffer, entries: Buffer, header: GptHeader): Buffer {
  const copy = Buffer.from(sector);
  copy.writeUInt32LE(crc32(entries.subarray(0, entriesByteLength(header))), 88);
  copy.writeUInt32LE(computeHeaderCrc(copy, header.headerBytes), HEADER_CRC_OFFSET);
  return copy;
}

/** GUIDs are stored mixed-endian: the first three fields little-endian. */
export function formatGuid(bytes: Buffer): string {
  const hex = (b: Buffer) => b.toString('hex');
  const le = (b: Buffer) => Buffer.from(b).reverse().toString('hex');
  return [
    le(bytes.subarray(0, 4)),
    le(bytes.subarray(4, 6)),
    le(bytes.subarray(6, 8)),
    hex(bytes.subarray(8, 10)),
    hex(bytes.subarray(10, 16)),
  ].join('-');
}
