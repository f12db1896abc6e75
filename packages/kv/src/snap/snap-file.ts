// Writing and verifying one snapshot file, in chunks: neither needs the data in one buffer.

import { createReadStream } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { crc32 } from '../wal/crc32.js';
import { fsyncDir, readFully, writeFully } from '../wal/fs-util.js';
import type { SnapshotMetadata } from '../wal/raft-types.js';
import {
  checkTrailer,
  decodeHeader,
  decodeMetadata,
  encodeHeader,
  encodeMetadata,
  encodeTrailer,
  SNAP_HEADER_BYTES,
  SNAP_TRAILER_BYTES,
} from './snap-codec.js';
import { SnapCorruptError, SnapError } from './snap-errors.js';

export interface SnapFileLimits {
  maxSnapshotBytes: number;
  chunkBytes: number;
}

/** A verified snapshot file: where its data lies, for reading it back in chunks. */
export interface SnapshotFile {
  path: string;
  metadata: SnapshotMetadata;
  dataOffset: number;
  dataBytes: number;
}

/**
 * Writes `<path>.tmp` from `source` (any chunking), syncs it, renames it to `path` and syncs
 * the directory `dir`. The header, which holds the data length, is written last.
 */
export async function writeSnapshotFile(
  dir: string,
  path: string,
  metadata: SnapshotMetadata,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  limits: SnapFileLimits,
): Promise<void> {
  const meta = encodeMetadata(metadata);
  const tmp = `${path}.tmp`;
  const h = await open(tmp, 'w');
  try {
    let at = SNAP_HEADER_BYTES;
    await writeFully(h, meta, at);
    at += meta.length;
    let crc = crc32(meta);
    let dataBytes = 0;
    for await (const piece of source) {
      for (let off = 0; off < piece.byteLength; off += limits.chunkBytes) {
        const chunk = piece.subarray(off, Math.min(off + limits.chunkBytes, piece.byteLength));
        dataBytes += chunk.byteLength;
        if (dataBytes > limits.maxSnapshotBytes) {
          throw new SnapError('too-large', `snap: snapshot data is over the limit ${limits.maxSnapshotBytes} bytes`);
        }
        crc = crc32(chunk, crc);
        await writeFully(h, chunk, at);
        at += chunk.byteLength;
      }
    }
    await writeFully(h, encodeTrailer(crc), at);
    await writeFully(h, encodeHeader(meta.length, dataBytes), 0);
    await h.sync();
  } catch (err) {
    await h.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await h.close();
  await rename(tmp, path);
  await fsyncDir(dir);
}

/**
 * Verifies a snapshot file (header, lengths, checksum, metadata) reading it in chunks. With
 * `into`, the data is also returned in one buffer. SnapCorruptError if it does not verify;
 * SnapError('too-large') if it holds more data than the limit.
 */
export async function verifySnapshotFile(
  path: string,
  limits: SnapFileLimits,
  keepData: boolean,
): Promise<SnapshotFile & { data: Buffer | null }> {
  const corrupt = (reason: string): never => {
    throw new SnapCorruptError(path, reason);
  };
  const h = await open(path, 'r');
  try {
    const size = (await h.stat()).size;
    if (size < SNAP_HEADER_BYTES + SNAP_TRAILER_BYTES) corrupt(`file is only ${size} bytes`);
    const header = Buffer.alloc(SNAP_HEADER_BYTES);
    await readFully(h, header, 0, SNAP_HEADER_BYTES, 0);
    const lengths = decodeHeader(header);
    if (typeof lengths === 'string') return corrupt(lengths);
    const { metadataBytes, dataBytes } = lengths;
    if (dataBytes > limits.maxSnapshotBytes) {
      throw new SnapError('too-large', `snap: ${path} holds ${dataBytes} bytes of data, over the limit`);
    }
    if (size !== SNAP_HEADER_BYTES + metadataBytes + dataBytes + SNAP_TRAILER_BYTES) {
      corrupt(`file size ${size} does not match its header`);
    }
    const meta = Buffer.alloc(metadataBytes);
    await readFully(h, meta, 0, metadataBytes, SNAP_HEADER_BYTES);
    let crc = crc32(meta);
    const dataOffset = SNAP_HEADER_BYTES + metadataBytes;
    const data = keepData ? Buffer.allocUnsafe(dataBytes) : null;
    const scratch = data ?? Buffer.allocUnsafe(Math.min(limits.chunkBytes, dataBytes));
    for (let off = 0; off < dataBytes; off += limits.chunkBytes) {
      const n = Math.min(limits.chunkBytes, dataBytes - off);
      const at = data === null ? 0 : off;
      await readFully(h, scratch, at, n, dataOffset + off);
      crc = crc32(scratch.subarray(at, at + n), crc);
    }
    const trailer = Buffer.alloc(SNAP_TRAILER_BYTES);
    await readFully(h, trailer, 0, SNAP_TRAILER_BYTES, dataOffset + dataBytes);
    const bad = checkTrailer(trailer, crc);
    if (bad !== null) corrupt(bad);
    const metadata = decodeMetadata(meta);
    if (typeof metadata === 'string') return corrupt(metadata);
    return { path, metadata, dataOffset, dataBytes, data };
  } finally {
    await h.close();
  }
}

/** The data of a verified snapshot file, as a stream of chunks. */
export function snapshotDataStream(file: SnapshotFile, chunkBytes: number): AsyncIterable<Buffer> {
  if (file.dataBytes === 0) return (async function* () {})();
  return createReadStream(file.path, {
    start: file.dataOffset,
    end: file.dataOffset + file.dataBytes - 1,
    highWaterMark: chunkBytes,
  });
}
