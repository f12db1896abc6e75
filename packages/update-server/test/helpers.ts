import type { KeyObject } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPayload, decodeOmahaResponse, encodeOmahaRequest, type OmahaEvent } from '@coreos-ts/update-engine';
import { DEFAULT_APP_ID } from '../src/model/entities.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function signingKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  return generateKeyPairSync('ed25519');
}

export async function* chunksOf(buf: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

export function makePayload(version: string, imageBytes: number, privateKey: KeyObject): Buffer {
  const image = Buffer.alloc(imageBytes);
  for (let i = 0; i < imageBytes; i++) image[i] = (i * 31 + version.length) & 0xff;
  return buildPayload(image, version, privateKey);
}

export interface ClientRequest {
  machineId: string;
  version: string;
  track?: string;
  updateCheck?: boolean;
  ping?: boolean;
  events?: OmahaEvent[];
}

export function omahaXml(r: ClientRequest): string {
  return encodeOmahaRequest({
    updaterVersion: 'update_engine-0.4.10',
    installSource: 'scheduler',
    os: { version: 'Chateau', platform: 'CoreOS', sp: `${r.version}_x86_64` },
    apps: [
      {
        appId: DEFAULT_APP_ID,
        version: r.version,
        track: r.track ?? 'stable',
        machineId: r.machineId,
        bootId: `{boot-${r.machineId}}`,
        ping: r.ping ?? true,
        updateCheck: r.updateCheck ?? true,
        events: r.events ?? [],
      },
    ],
  });
}

export async function postOmaha(url: string, r: ClientRequest) {
  const res = await fetch(url, { method: 'POST', body: omahaXml(r), headers: { 'content-type': 'text/xml' } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`omaha ${res.status}: ${text}`);
  return decodeOmahaResponse(text);
}
