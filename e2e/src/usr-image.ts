// The "OS image" of a version: a small deterministic USR image, signed into a payload.
import { createHash, type KeyObject } from 'node:crypto';
import { buildPayload } from '@coreos-ts/update-engine';

const IMAGE_BYTES = 64 * 1024;

export function usrImage(version: string): Buffer {
  const image = Buffer.alloc(IMAGE_BYTES);
  const seed = createHash('sha256').update(`coreos-ts usr ${version}`).digest();
  for (let offset = 0; offset < IMAGE_BYTES; offset += seed.length) seed.copy(image, offset);
  image.write(`coreos-ts usr image ${version}\n`, 0, 'utf8');
  return image;
}

export function usrPayload(version: string, privateKey: KeyObject): Buffer {
  return buildPayload(usrImage(version), version, privateKey);
}
