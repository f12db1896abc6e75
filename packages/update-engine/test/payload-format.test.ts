import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../src/omaha/omaha-codes.js';
import { buildPayloadFile, verifyPayloadFile } from '../src/payload/payload-file.js';
import {
  buildPayload,
  decodePayloadHeader,
  encodePayloadHeader,
  loadPrivateKey,
  PAYLOAD_HEADER_BYTES,
  SIGNATURE_TRAILER_BYTES,
} from '../src/payload/payload-format.js';

const keys = generateKeyPairSync('ed25519');
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'payload-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const sha = (b: Buffer) => createHash('sha256').update(b).digest('base64');

describe('payload format', () => {
  it('round-trips headers', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), fc.nat(), (version, imageBytes) => {
        fc.pre(Buffer.byteLength(version) <= 255);
        expect(decodePayloadHeader(encodePayloadHeader({ version, imageBytes }))).toEqual({ version, imageBytes });
      }),
    );
    expect(decodePayloadHeader(Buffer.alloc(PAYLOAD_HEADER_BYTES))).toBeNull();
  });

  it('file builder and in-memory builder agree, and the file verifies', async () => {
    const image = Buffer.alloc(300_000, 9);
    writeFileSync(join(dir, 'img'), image);
    const built = await buildPayloadFile(join(dir, 'img'), join(dir, 'p'), '3.1.4', keys.privateKey);
    const mem = buildPayload(image, '3.1.4', keys.privateKey);
    expect(built.sizeBytes).toBe(mem.length);
    expect(built.sizeBytes).toBe(PAYLOAD_HEADER_BYTES + image.length + SIGNATURE_TRAILER_BYTES);
    expect(built.sha256Base64).toBe(sha(mem)); // Ed25519 is deterministic
    expect(await verifyPayloadFile(join(dir, 'p'), built, keys.publicKey)).toEqual({
      version: '3.1.4',
      sizeBytes: mem.length,
    });
  });

  it('rejects in update_engine order: size (11), hash (10), signature (18)', async () => {
    const good = buildPayload(Buffer.alloc(10_000, 3), '2.0.0', keys.privateKey);
    const path = join(dir, 'p');
    writeFileSync(path, good);
    await expect(
      verifyPayloadFile(path, { sizeBytes: good.length + 1, sha256Base64: sha(good) }, keys.publicKey),
    ).rejects.toMatchObject({
      code: ErrorCode.PayloadSizeMismatchError,
    });
    const flipped = Buffer.from(good);
    flipped[PAYLOAD_HEADER_BYTES + 5] = (flipped[PAYLOAD_HEADER_BYTES + 5] ?? 0) ^ 1;
    writeFileSync(path, flipped);
    await expect(
      verifyPayloadFile(path, { sizeBytes: good.length, sha256Base64: sha(good) }, keys.publicKey),
    ).rejects.toMatchObject({
      code: ErrorCode.PayloadHashMismatchError,
    });
    // a tampered image with a matching Omaha hash (a compromised server) still fails the signature
    await expect(
      verifyPayloadFile(path, { sizeBytes: good.length, sha256Base64: sha(flipped) }, keys.publicKey),
    ).rejects.toMatchObject({
      code: ErrorCode.DownloadPayloadPubKeyVerificationError,
    });
    const other = generateKeyPairSync('ed25519');
    writeFileSync(path, good);
    await expect(
      verifyPayloadFile(path, { sizeBytes: good.length, sha256Base64: sha(good) }, other.publicKey),
    ).rejects.toMatchObject({
      code: ErrorCode.DownloadPayloadPubKeyVerificationError,
    });
  });

  it('accepts only Ed25519 keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    expect(() => loadPrivateKey(rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }))).toThrow(/Ed25519/);
  });
});
