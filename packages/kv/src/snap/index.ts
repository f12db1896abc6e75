// Snapshot files: what kvd's server uses, listed by name.

export {
  defaultSnapshotterConfig,
  type SnapshotterConfig,
  snapDirOf,
  validateSnapshotterConfig,
} from './snap-config.js';
export { SnapCorruptError, SnapError, type SnapErrorCode } from './snap-errors.js';
export type { SnapshotFile } from './snap-file.js';
export { readSnapshotFile, type Snapshot, Snapshotter } from './snapshotter.js';
