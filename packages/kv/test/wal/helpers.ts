import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Entry } from '../../src/wal/raft-types.js';
import { defaultFileWalConfig, type FileWalConfig } from '../../src/wal/wal-config.js';
import type { WalLogger, WalMetadata } from '../../src/wal/wal-types.js';

export const meta: WalMetadata = { clusterId: 0xc1c1c1n, memberId: 0x8e9e05c52164694dn };

export interface CapturedLog {
  fields: Record<string, unknown>;
  msg: string;
}

export function captureLogger(): WalLogger & { lines: CapturedLog[] } {
  const lines: CapturedLog[] = [];
  return { lines, warn: (fields, msg) => lines.push({ fields, msg }) };
}

/** A temp directory removed after the current test. */
export function useTempDirs(): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  return async () => {
    const d = await mkdtemp(join(tmpdir(), 'kv-wal-'));
    dirs.push(d);
    return d;
  };
}

export function walConfig(dataDir: string, over: Partial<FileWalConfig> = {}): FileWalConfig {
  return { ...defaultFileWalConfig(join(dataDir, 'member', 'wal'), captureLogger()), segmentBytes: 64 * 1024, ...over };
}

/** Deterministic payload for (index, term), so a replayed entry can be checked byte for byte. */
export function payload(index: number, term: number, size = 16): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (index * 31 + term * 7 + i) & 0xff;
  return out;
}

export function entries(from: number, to: number, term = 1, size = 16): Entry[] {
  const out: Entry[] = [];
  for (let i = from; i <= to; i++) out.push({ term, index: i, type: 0, data: payload(i, term, size) });
  return out;
}

/** Compact view of replayed entries for equality checks. */
export function view(es: readonly Entry[]): Array<[number, number, number, string]> {
  return es.map((e) => [e.index, e.term, e.type, Buffer.from(e.data).toString('hex')]);
}
