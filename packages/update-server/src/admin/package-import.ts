// Receives a signed payload (streamed), checks its format and signature trailer, computes its
// SHA-256 and stores it under the payload directory.

import type { KeyObject } from 'node:crypto';
import { createHash, randomUUID, verify } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  decodePayloadHeader,
  decodeSignatureTrailer,
  PAYLOAD_HEADER_BYTES,
  SIGNATURE_TRAILER_BYTES,
} from '@coreos-ts/update-engine';
import { AdminError } from './admin-error.js';

export interface ImportedPayload {
  readonly fileName: string;
  readonly version: string;
  readonly sizeBytes: number;
  readonly sha256Base64: string;
  readonly signatureBase64: string;
}

export async function importPayload(
  payloadDir: string,
  chunks: AsyncIterable<Buffer>,
  options: { readonly maxBytes: number; readonly publicKey?: KeyObject },
): Promise<ImportedPayload> {
  const tmp = join(payloadDir, `.upload-${randomUUID()}`);
  const fh = await open(tmp, 'w');
  const whole = createHash('sha256');
  const signed = createHash('sha256');
  let size = 0;
  let head = Buffer.alloc(0);
  let tail = Buffer.alloc(0); // the last SIGNATURE_TRAILER_BYTES seen, not yet fed to `signed`
  try {
    for await (const chunk of chunks) {
      size += chunk.length;
      if (size > options.maxBytes)
        throw new AdminError('resource-exhausted', `payload larger than ${options.maxBytes} bytes`);
      whole.update(chunk);
      if (head.length < PAYLOAD_HEADER_BYTES)
        head = Buffer.concat([head, chunk.subarray(0, PAYLOAD_HEADER_BYTES - head.length)]);
      const joined = Buffer.concat([tail, chunk]);
      const keep = Math.min(SIGNATURE_TRAILER_BYTES, joined.length);
      signed.update(joined.subarray(0, joined.length - keep));
      tail = Buffer.from(joined.subarray(joined.length - keep));
      await fh.write(chunk);
    }
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  try {
    const header = decodePayloadHeader(head);
    if (header === null) throw new AdminError('invalid-argument', 'not a payload: bad header magic or version field');
    if (PAYLOAD_HEADER_BYTES + header.imageBytes + SIGNATURE_TRAILER_BYTES !== size) {
      throw new AdminError(
        'invalid-argument',
        `payload header says ${header.imageBytes} image bytes but the file is ${size} bytes`,
      );
    }
    const signature = decodeSignatureTrailer(tail);
    if (signature === null) throw new AdminError('invalid-argument', 'payload has no signature trailer');
    if (options.publicKey !== undefined && !verify(null, signed.digest(), options.publicKey, signature)) {
      throw new AdminError('invalid-argument', 'payload signature does not verify against the server key');
    }
    const safeVersion = header.version.replace(/[^A-Za-z0-9._-]/g, '_');
    const fileName = `update-${safeVersion}-${randomUUID().slice(0, 8)}.payload`;
    await rename(tmp, join(payloadDir, fileName));
    return {
      fileName,
      version: header.version,
      sizeBytes: size,
      sha256Base64: whole.digest('base64'),
      signatureBase64: signature.toString('base64'),
    };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
