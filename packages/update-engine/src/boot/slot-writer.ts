// Writes a verified payload into the passive slot: body first, header last (so a torn write
// never looks like a valid slot), fsync, then read back and compare the SHA-256.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UpdateError } from '../engine/update-error.js';
import { ErrorCode } from '../omaha/omaha-codes.js';
import { PAYLOAD_HEADER_BYTES } from '../payload/payload-format.js';
import type { SlotDevice } from './boot-control.js';

export interface SlotWriteOptions {
  readonly chunkBytes?: number;
  /** Called after each chunk; awaited (a test can hold the writer here). */
  readonly onProgress?: (writtenBytes: number, totalBytes: number) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

function writeError(err: unknown): UpdateError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new UpdateError(ErrorCode.DownloadWriteError, 'no space left on the passive slot');
  if (err instanceof UpdateError) return err;
  return new UpdateError(ErrorCode.DownloadWriteError, `writing the passive slot failed: ${(err as Error).message}`);
}

export async function writeSlot(
  device: SlotDevice,
  payloadPath: string,
  sha256Base64: string,
  options: SlotWriteOptions = {},
): Promise<void> {
  const total = (await stat(payloadPath)).size;
  if (total > device.sizeBytes) {
    throw new UpdateError(
      ErrorCode.DownloadWriteError,
      `no space left on the passive slot: payload ${total} bytes, slot ${device.sizeBytes} bytes`,
    );
  }
  const chunkBytes = options.chunkBytes ?? 1 << 20;
  const fh = await open(device.path, 'r+').catch((err: unknown) => {
    throw new UpdateError(ErrorCode.InstallDeviceOpenError, `cannot open ${device.path}: ${(err as Error).message}`);
  });
  try {
    // 1. invalidate the old header so an interrupted write leaves an empty-looking slot
    await fh.write(
      Buffer.alloc(Math.min(PAYLOAD_HEADER_BYTES, total)),
      0,
      Math.min(PAYLOAD_HEADER_BYTES, total),
      device.offset,
    );
    await fh.sync();
    // 2. the body, then 3. the header
    let header: Buffer | undefined;
    let position = 0;
    for await (const chunk of createReadStream(payloadPath, { highWaterMark: chunkBytes })) {
      options.signal?.throwIfAborted();
      let buf = chunk as Buffer;
      if (position < PAYLOAD_HEADER_BYTES) {
        const headPart = buf.subarray(0, Math.min(buf.length, PAYLOAD_HEADER_BYTES - position));
        header = header === undefined ? Buffer.from(headPart) : Buffer.concat([header, headPart]);
        const skip = headPart.length;
        position += skip;
        buf = buf.subarray(skip);
      }
      if (buf.length > 0) {
        const { bytesWritten } = await fh.write(buf, 0, buf.length, device.offset + position);
        if (bytesWritten !== buf.length)
          throw new UpdateError(ErrorCode.DownloadWriteError, 'short write to the passive slot');
        position += buf.length;
      }
      await options.onProgress?.(position, total);
    }
    await fh.sync();
    if (header !== undefined) await fh.write(header, 0, header.length, device.offset);
    await fh.sync();
  } catch (err) {
    throw writeError(err);
  } finally {
    await fh.close();
  }
  const readBack = await hashRange(device.path, device.offset, total);
  if (readBack !== sha256Base64) {
    throw new UpdateError(ErrorCode.NewRootfsVerificationError, 'passive slot read-back does not match the payload');
  }
}

export async function hashRange(path: string, offset: number, length: number): Promise<string> {
  const hash = createHash('sha256');
  if (length > 0) {
    for await (const chunk of createReadStream(path, {
      start: offset,
      end: offset + length - 1,
      highWaterMark: 1 << 20,
    })) {
      hash.update(chunk as Buffer);
    }
  }
  return hash.digest('base64');
}
