import { join } from 'node:path';
import { WalError } from './wal-errors.js';
import type { WalLogger } from './wal-types.js';

export interface FileWalConfig {
  /** The WAL directory, `<data-dir>/member/wal`. */
  dir: string;
  /** Segment size: files are preallocated to it and cut when the next batch does not fit. */
  segmentBytes: number;
  /** The largest record body accepted on write and on read. */
  maxRecordBytes: number;
  /** A sync slower than this is logged at warn with its duration. */
  slowSyncMs: number;
  logger: WalLogger;
  /** Monotonic milliseconds, for sync timing. */
  nowMs: () => number;
}

export const MiB = 1024 * 1024;

export function walDirOf(dataDir: string): string {
  return join(dataDir, 'member', 'wal');
}

export function defaultFileWalConfig(dir: string, logger: WalLogger): FileWalConfig {
  return {
    dir,
    segmentBytes: 64 * MiB,
    maxRecordBytes: 10 * MiB,
    slowSyncMs: 1000,
    logger,
    nowMs: () => performance.now(),
  };
}

/** Throws WalError('invalid-config') naming the field and the broken relationship. */
export function validateFileWalConfig(c: FileWalConfig): FileWalConfig {
  const bad = (msg: string): never => {
    throw new WalError('invalid-config', `wal config: ${msg}`);
  };
  if (c.dir === '') bad('dir must not be empty');
  if (!Number.isSafeInteger(c.segmentBytes) || c.segmentBytes < 4096 || c.segmentBytes > 1024 * MiB) {
    bad(`segment-bytes (${c.segmentBytes}) must be an integer between 4096 and ${1024 * MiB}`);
  }
  if (!Number.isSafeInteger(c.maxRecordBytes) || c.maxRecordBytes < 64 || c.maxRecordBytes > 512 * MiB) {
    bad(`max-record-bytes (${c.maxRecordBytes}) must be an integer between 64 and ${512 * MiB}`);
  }
  if (!Number.isFinite(c.slowSyncMs) || c.slowSyncMs < 0) bad(`slow-sync-ms (${c.slowSyncMs}) must be >= 0`);
  return c;
}
