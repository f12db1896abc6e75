// Reads and rewrites the GPT of a disk image file or block device. Attribute changes go to
// both copies (backup first, then primary), each with valid entry-array and header CRCs.

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import {
  entriesByteLength,
  type GptEntry,
  GptFormatError,
  type GptHeader,
  parseGptEntries,
  parseGptHeader,
  SECTOR_BYTES,
  sealGptHeader,
  verifyEntriesCrc,
  withEntryAttributes,
} from './gpt-table.js';

export interface GptDiskTable {
  readonly header: GptHeader;
  readonly entries: readonly GptEntry[];
}

async function readAt(fh: FileHandle, offset: bigint, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  const { bytesRead } = await fh.read(buf, 0, length, Number(offset));
  if (bytesRead !== length) throw new GptFormatError(`short read at byte ${offset}`);
  return buf;
}

async function writeAt(fh: FileHandle, offset: bigint, data: Buffer): Promise<void> {
  const { bytesWritten } = await fh.write(data, 0, data.length, Number(offset));
  if (bytesWritten !== data.length) throw new GptFormatError(`short write at byte ${offset}`);
}

interface GptCopy {
  readonly sector: Buffer;
  readonly header: GptHeader;
  readonly entries: Buffer;
}

async function readCopy(fh: FileHandle, lba: bigint): Promise<GptCopy> {
  const sector = await readAt(fh, lba * BigInt(SECTOR_BYTES), SECTOR_BYTES);
  const header = parseGptHeader(sector);
  const entries = await readAt(fh, header.entriesLba * BigInt(SECTOR_BYTES), entriesByteLength(header));
  if (!verifyEntriesCrc(header, entries)) throw new GptFormatError(`GPT entry array CRC mismatch at LBA ${lba}`);
  return { sector, header, entries };
}

export async function readGpt(path: string): Promise<GptDiskTable> {
  const fh = await open(path, 'r');
  try {
    const primary = await readCopy(fh, 1n);
    return { header: primary.header, entries: parseGptEntries(primary.header, primary.entries) };
  } finally {
    await fh.close();
  }
}

/** Sets the attribute words of the given entries (by index) in both GPT copies, then fsyncs. */
export async function writeGptAttributes(path: string, changes: ReadonlyMap<number, bigint>): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    const primary = await readCopy(fh, 1n);
    const backup = await readCopy(fh, primary.header.backupLba);
    for (const copy of [backup, primary]) {
      let entries = copy.entries;
      for (const [index, attributes] of changes) entries = withEntryAttributes(copy.header, entries, index, attributes);
      const sector = sealGptHeader(copy.sector, entries, copy.header);
      await writeAt(fh, copy.header.entriesLba * BigInt(SECTOR_BYTES), entries);
      await writeAt(fh, copy.header.currentLba * BigInt(SECTOR_BYTES), sector);
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Byte range [start, end) of a partition. */
export function partitionRange(entry: GptEntry): { start: number; end: number } {
  return { start: Number(entry.firstLba) * SECTOR_BYTES, end: (Number(entry.lastLba) + 1) * SECTOR_BYTES };
}
