// Streaming build and verification of payload files (see payload-format.ts for the layout).

import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UpdateError } from '../engine/update-error.js';
import { ErrorCode } from '../omaha/omaha-codes.js';
import {
  decodePayloadHeader,
  decodeSignatureTrailer,
  encodePayloadHeader,
  encodeSignatureTrailer,
  PAYLOAD_HEADER_BYTES,
  SIGNATURE_TRAILER_BYTES,
  signDigest,
  verifyDigest,
} from './payload-format.js';

export interface BuiltPayload {
  readonly sizeBytes: number;
  /** base64 SHA-256 of the whole payload, as the Omaha postinstall action carries it. */
  readonly sha256Base64: string;
  readonly signatureBase64: string;
}

/** Writes a signed payload for `imagePath` to `payloadPath`. */
export async function buildPayloadFile(
  imagePath: string,
  payloadPath: string,
  version: string,
  privateKey: KeyObject,
): Promise<BuiltPayload> {
  const imageBytes = (await stat(imagePath)).size;
  const header = encodePayloadHeader({ version, imageBytes });
  const signed = createHash('sha256').update(header);
  const whole = createHash('sha256').update(header);
  const out = await open(payloadPath, 'w');
  try {
    await out.write(header);
    for await (const chunk of createReadStream(imagePath, { highWaterMark: 1 << 20 })) {
      const buf = chunk as Buffer;
      signed.update(buf);
      whole.update(buf);
      await out.write(buf);
    }
    const signature = signDigest(signed.digest(), privateKey);
    const trailer = encodeSignatureTrailer(signature);
    whole.update(trailer);
    await out.write(trailer);
    await out.sync();
    return {
      sizeBytes: PAYLOAD_HEADER_BYTES + imageBytes + SIGNATURE_TRAILER_BYTES,
      sha256Base64: whole.digest('base64'),
      signatureBase64: signature.toString('base64'),
    };
  } finally {
    await out.close();
  }
}

export interface PayloadExpectation {
  readonly sizeBytes: number;
  readonly sha256Base64: string;
}

export interface VerifiedPayload {
  readonly version: string;
  readonly sizeBytes: number;
}

/**
 * update_engine's order: size, then the base64 SHA-256 from the Omaha response, then the
 * signature against the public key. Throws UpdateError with the matching code.
 */
export async function verifyPayloadFile(
  path: string,
  expected: PayloadExpectation,
  publicKey: KeyObject,
): Promise<VerifiedPayload> {
  const size = (await stat(path)).size;
  if (size !== expected.sizeBytes) {
    throw new UpdateError(
      ErrorCode.PayloadSizeMismatchError,
      `payload is ${size} bytes, expected ${expected.sizeBytes}`,
    );
  }
  const signedBytes = size - SIGNATURE_TRAILER_BYTES;
  const whole = createHash('sha256');
  const signed = createHash('sha256');
  let offset = 0;
  let trailer = Buffer.alloc(0);
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const buf = chunk as Buffer;
    whole.update(buf);
    const inSigned = Math.max(0, Math.min(buf.length, signedBytes - offset));
    if (inSigned > 0) signed.update(buf.subarray(0, inSigned));
    if (inSigned < buf.length) trailer = Buffer.concat([trailer, buf.subarray(inSigned)]);
    offset += buf.length;
  }
  const actual = whole.digest('base64');
  if (actual !== expected.sha256Base64) {
    throw new UpdateError(ErrorCode.PayloadHashMismatchError, `payload SHA-256 ${actual} != ${expected.sha256Base64}`);
  }
  const signature = decodeSignatureTrailer(trailer);
  if (signature === null || signedBytes < PAYLOAD_HEADER_BYTES) {
    throw new UpdateError(ErrorCode.DownloadPayloadPubKeyVerificationError, 'payload has no signature trailer');
  }
  if (!verifyDigest(signed.digest(), signature, publicKey)) {
    throw new UpdateError(ErrorCode.DownloadPayloadPubKeyVerificationError, 'payload signature does not verify');
  }
  const head = await readHead(path);
  const header = decodePayloadHeader(head);
  if (header === null || PAYLOAD_HEADER_BYTES + header.imageBytes !== signedBytes) {
    throw new UpdateError(ErrorCode.DownloadPayloadVerificationError, 'payload header is inconsistent');
  }
  return { version: header.version, sizeBytes: size };
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(PAYLOAD_HEADER_BYTES);
    await fh.read(buf, 0, buf.length, 0);
    return buf;
  } finally {
    await fh.close();
  }
}
