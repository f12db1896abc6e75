import { join } from 'node:path';
import type { WalLogger } from '../wal/wal-types.js';
import { SnapError } from './snap-errors.js';

export interface SnapshotterConfig {
  /** `<data-dir>/member/snap`. */
  dir: string;
  /** How many snapshot files to keep after a save. */
  keep: number;
  /** The largest snapshot data accepted on save and on load. */
  maxSnapshotBytes: number;
  /** I/O chunk size for writing, reading and checksumming. */
  chunkBytes: number;
  logger: WalLogger;
}

const MiB = 1024 * 1024;

export function snapDirOf(dataDir: string): string {
  return join(dataDir, 'member', 'snap');
}

export function defaultSnapshotterConfig(dir: string, logger: WalLogger): SnapshotterConfig {
  return { dir, keep: 5, maxSnapshotBytes: 2048 * MiB, chunkBytes: MiB, logger };
}

export function validateSnapshotterConfig(c: SnapshotterConfig): SnapshotterConfig {
  const bad = (msg: string): never => {
    throw new SnapError('invalid-config', `snap config: ${msg}`);
  };
  if (c.dir === '') bad('dir must not be empty');
  if (!Number.isSafeInteger(c.keep) || c.keep < 1) bad(`keep (${c.keep}) must be an integer >= 1`);
  // Node 20 Buffers hold at most 4 GiB.
  if (!Number.isSafeInteger(c.maxSnapshotBytes) || c.maxSnapshotBytes < 0 || c.maxSnapshotBytes > 4096 * MiB) {
    bad(`max-snapshot-bytes (${c.maxSnapshotBytes}) must be an integer between 0 and ${4096 * MiB}`);
  }
  if (!Number.isSafeInteger(c.chunkBytes) || c.chunkBytes < 4096) bad(`chunk-bytes (${c.chunkBytes}) must be >= 4096`);
  return c;
}
