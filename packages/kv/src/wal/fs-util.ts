// Small file-system helpers for durable writes.

import { type FileHandle, open, readdir } from 'node:fs/promises';

/** fsync a directory so creates, renames and unlinks in it are durable. */
export async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

/** Writes all of `buf` at `position`, looping over short writes. */
export async function writeFully(handle: FileHandle, buf: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < buf.byteLength) {
    const { bytesWritten } = await handle.write(buf, done, buf.byteLength - done, position + done);
    if (bytesWritten <= 0) throw new Error(`short write at ${position + done}`);
    done += bytesWritten;
  }
}

/** Reads exactly `length` bytes at `position` into `buf` at `offset`, or throws. */
export async function readFully(
  handle: FileHandle,
  buf: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buf, offset + done, length - done, position + done);
    if (bytesRead <= 0) throw new Error(`unexpected end of file at ${position + done}`);
    done += bytesRead;
  }
}

/** The names in `dir`, or null if it does not exist. */
export async function listDir(dir: string): Promise<string[] | null> {
  try {
    return await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
