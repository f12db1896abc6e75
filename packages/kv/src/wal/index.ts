// The write-ahead log: what kvd's server uses, listed by name.

export { FileWal } from './file-wal.js';
export { createFileWal, listSnapshotMarkers, openFileWal, walExists } from './file-wal-open.js';
export { createMemoryWal, MemoryWal, MemoryWalStore, openMemoryWal } from './memory-wal.js';
export type { ConfState, Entry, HardState, SnapshotMetadata } from './raft-types.js';
export { defaultFileWalConfig, type FileWalConfig, validateFileWalConfig, walDirOf } from './wal-config.js';
export {
  isWalError,
  WalCorruptError,
  WalError,
  type WalErrorCode,
  WalMetadataMismatchError,
} from './wal-errors.js';
export type { SnapshotMarker, Wal, WalLogger, WalMetadata, WalOpenExpectations, WalReplay } from './wal-types.js';
