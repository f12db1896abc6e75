// The payload format (documented in README.md, "Payload format"):
//   [0, 4096)            header: magic "CTUP", u32 format 1, u32 header bytes 4096, u64 image bytes,
//                        u16 version length, version (UTF-8), zero padding
//   [4096, 4096+image)   the image
//   trailer (72 bytes)   magic "CTSG", u16 algorithm (1 = Ed25519), u16 signature bytes (64), signature
// The signature is Ed25519 over the 32-byte SHA-256 digest of header + image. The whole payload
// (trailer included) is written to the slot, so a slot names its own version.

import type { KeyObject } from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';

export const PAYLOAD_MAGIC = 'CTUP';
export const SIGNATURE_MAGIC = 'CTSG';
export const PAYLOAD_HEADER_BYTES = 4096;
export const SIGNATURE_TRAILER_BYTES = 72;
export const SIGNATURE_ALG_ED25519 = 1;
export const MAX_VERSION_BYTES = 255;

export interface PayloadHeader {
  readonly version: string;
  readonly imageBytes: number;
}

export class PayloadFormatError extends Error {
  override readonly name = 'PayloadFormatError';
}

export function encodePayloadHeader(h: PayloadHeader): Buffer {
  const version = Buffer.from(h.version, 'utf8');
  if (version.length === 0 || version.length > MAX_VERSION_BYTES) {
    throw new PayloadFormatError(`version must be 1..${MAX_VERSION_BYTES} bytes`);
  }
  if (!Number.isSafeInteger(h.imageBytes) || h.imageBytes < 0) throw new PayloadFormatError('bad image size');
  const buf = Buffer.alloc(PAYLOAD_HEADER_BYTES);
  buf.write(PAYLOAD_MAGIC, 0, 'latin1');
  buf.writeUInt32BE(1, 4);
  buf.writeUInt32BE(PAYLOAD_HEADER_BYTES, 8);
  buf.writeBigUInt64BE(BigInt(h.imageBytes), 12);
  buf.writeUInt16BE(version.length, 20);
  version.copy(buf, 22);
  return buf;
}

/** Decodes a header; returns null when `buf` does not start with one (e.g. an empty slot). */
export function decodePayloadHeader(buf: Buffer): PayloadHeader | null {
  if (buf.length < 22 || buf.subarray(0, 4).toString('latin1') !== PAYLOAD_MAGIC) return null;
  if (buf.readUInt32BE(4) !== 1 || buf.readUInt32BE(8) !== PAYLOAD_HEADER_BYTES) return null;
  const len = buf.readUInt16BE(20);
  if (len === 0 || len > MAX_VERSION_BYTES || 22 + len > buf.length) return null;
  const imageBytes = Number(buf.readBigUInt64BE(12));
  if (!Number.isSafeInteger(imageBytes)) return null;
  return { version: buf.subarray(22, 22 + len).toString('utf8'), imageBytes };
}

export function payloadBytes(imageBytes: number): number {
  return PAYLOAD_HEADER_BYTES + imageBytes + SIGNATURE_TRAILER_BYTES;
}

export function encodeSignatureTrailer(signature: Buffer): Buffer {
  if (signature.length !== 64) throw new PayloadFormatError('Ed25519 signatures are 64 bytes');
  const buf = Buffer.alloc(SIGNATURE_TRAILER_BYTES);
  buf.write(SIGNATURE_MAGIC, 0, 'latin1');
  buf.writeUInt16BE(SIGNATURE_ALG_ED25519, 4);
  buf.writeUInt16BE(64, 6);
  signature.copy(buf, 8);
  return buf;
}

export function decodeSignatureTrailer(buf: Buffer): Buffer | null {
  if (buf.length !== SIGNATURE_TRAILER_BYTES || buf.subarray(0, 4).toString('latin1') !== SIGNATURE_MAGIC) return null;
  if (buf.readUInt16BE(4) !== SIGNATURE_ALG_ED25519 || buf.readUInt16BE(6) !== 64) return null;
  return Buffer.from(buf.subarray(8, 72));
}

export function loadPrivateKey(pem: string | Buffer): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new PayloadFormatError('signing key must be an Ed25519 private key');
  return key;
}

export function loadPublicKey(pem: string | Buffer): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new PayloadFormatError('public key must be an Ed25519 key');
  return key;
}

export function signDigest(digest: Buffer, privateKey: KeyObject): Buffer {
  return sign(null, digest, privateKey);
}

export function verifyDigest(digest: Buffer, signature: Buffer, publicKey: KeyObject): boolean {
  return verify(null, digest, publicKey, signature);
}

/** Builds a signed payload in memory (for small images and tests; see payload-builder for files). */
export function buildPayload(image: Buffer, version: string, privateKey: KeyObject): Buffer {
  const header = encodePayloadHeader({ version, imageBytes: image.length });
  const digest = createHash('sha256').update(header).update(image).digest();
  return Buffer.concat([header, image, encodeSignatureTrailer(signDigest(digest, privateKey))]);
}
