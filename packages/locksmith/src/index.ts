// @coreos-ts/locksmith: reboot coordination. The semaphore (pure model and a client over a
// SemaphoreStore), reboot windows, locksmithd's decision core, FleetLock over HTTP, and the
// locksmith.v1 gRPC service.
export { type BackoffPolicy, backoffDelayMs } from './client/backoff.js';
export {
  type LockResult,
  SemaphoreClient,
  type SemaphoreClientOptions,
  type SetMaxResult,
  type StaleRelease,
  type UnlockResult,
} from './client/semaphore-client.js';
export { type Clock, systemClock } from './clock.js';
export { ConfigError } from './config-error.js';
export {
  type DaemonConfig,
  defaultDaemonConfig,
  parseStrategy,
  type Strategy,
  validateDaemonConfig,
} from './daemon/daemon-config.js';
export { type DaemonAction, type DaemonEvent, NEED_REBOOT_STATUS, type Operation } from './daemon/daemon-events.js';
export {
  DaemonRunner,
  type DaemonRunnerOptions,
  type RebootPorts,
  systemTimers,
  type Timers,
} from './daemon/daemon-runner.js';
export { type FleetDrainer, fleetDrainer } from './daemon/fleet-drain.js';
export {
  DEFAULT_REBOOT_COMMAND,
  type GrpcPeer,
  type Locksmithd,
  type LocksmithdOptions,
  livenessLeaseTtlFor,
  startLocksmithd,
} from './daemon/locksmithd.js';
export { runRebootCommand } from './daemon/reboot-command.js';
export { type DaemonState, initialDaemonState, type Step, step } from './daemon/reboot-decider.js';
export { reaperIntervalFor, StaleLockReaper, type StaleLockReaperOptions } from './daemon/stale-lock-reaper.js';
export {
  followUpdateStatus,
  statusNameOf,
  type UpdateStatusFollower,
  type UpdateStatusFollowerOptions,
} from './daemon/update-status-follower.js';
export { LocksmithError, type LocksmithErrorCode } from './errors.js';
export {
  type FleetLockError,
  type FleetLockErrorKind,
  type FleetLockOperation,
  type FleetLockRequest,
  PRE_REBOOT_PATH,
  parseFleetLockRequest,
  STEADY_STATE_PATH,
} from './fleetlock/fleetlock-protocol.js';
export {
  createFleetLockHandler,
  type FleetLockOptions,
  type FleetLockServer,
  startFleetLockServer,
} from './fleetlock/fleetlock-server.js';
export { createLocksmithService } from './grpc/locksmith-service.js';
export { DEFAULT_GROUP, KEY_PREFIX, livenessKey, queryEscape, semaphoreKey } from './semaphore/keys.js';
export {
  decodeSemaphore,
  encodeSemaphore,
  HOLDER_ID_BYTES_MAX,
  INITIAL_SEMAPHORE,
  SEMAPHORE_MAX_LIMIT,
  type Semaphore,
} from './semaphore/semaphore.js';
export {
  EMPTY_STALE_TRACKER,
  observeLiveness,
  type StaleObservation,
  type StaleTracker,
} from './semaphore/stale-holders.js';
export {
  type Applied,
  lock,
  type Refusal,
  type RefusalCode,
  releaseStale,
  setMax,
  type TransitionResult,
  unlock,
} from './semaphore/transitions.js';
export { KvSemaphoreStore, type KvSemaphoreStoreOptions } from './store/kv-semaphore-store.js';
export type { SemaphoreStore, VersionedValue } from './store/semaphore-store.js';
export {
  describeWindow,
  isInWindow,
  msUntilWindowEnd,
  msUntilWindowStart,
  nextWindowStart,
  parseRebootWindow,
  previousWindowStart,
  type RebootWindow,
  type RebootWindowConfig,
} from './window/reboot-window.js';
