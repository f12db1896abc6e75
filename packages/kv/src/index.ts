// @coreos-ts/kv: kvd, an etcd v3-compatible member, as a library.
export {
  ConfigError,
  DEFAULT_QUOTA_BACKEND_BYTES,
  defaultKvdConfig,
  effectiveQuotaBytes,
  type KvdConfig,
  parseAutoCompaction,
  parseInitialCluster,
  validateKvdConfig,
} from './config.js';
export { isKvError, KvError, type KvErrorCode } from './errors.js';
export { configFromFlags, kvdCommand } from './flags.js';
export { computeClusterId, computeMemberId, formatId } from './member-id.js';
export { type RestoreOptions, restoreDataDir } from './restore.js';
export { dumpToBuffer, parseSnapshot, restoreBackend, SnapshotFormatError } from './server/db-snapshot.js';
export { EtcdServer, SERVER_VERSION } from './server/etcd-server.js';
export { type Kvd, type KvdOptions, startKvd } from './server/kvd.js';
