// @coreos-ts/kv-client: a typed client for the etcd v3 API (etcd or kvd), with failover, watch
// resume, lease sessions and clientv3-compatible concurrency recipes.
export type { AuthApi, PermissionType } from './auth.js';
export { type Bytes, prefixEnd } from './bytes.js';
export type { CallOptions } from './call-runner.js';
export { KvClient } from './client.js';
export type { ClusterApi, Member, MembersResult } from './cluster.js';
export { Election, leaderOf, observeElection } from './concurrency/election.js';
export { Mutex } from './concurrency/mutex.js';
export { Session, type SessionOptions } from './concurrency/session.js';
export { runStm, type StmOptions, type StmTx } from './concurrency/stm.js';
export {
  type ClientAuth,
  type ClientConfig,
  type ClientOptions,
  type ClientTls,
  defaultClientConfig,
  validateClientConfig,
} from './config.js';
export {
  AuthFailedError,
  AuthNotEnabledError,
  CancelledError,
  ClientClosedError,
  CompactedError,
  DeadlineExceededError,
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidArgumentError,
  InvalidAuthTokenError,
  KvError,
  type KvErrorCode,
  LeaseExistsError,
  LeaseNotFoundError,
  MemberExistsError,
  MemberNotFoundError,
  MemberNotLearnerError,
  NoElectionLeaderError,
  NoLeaderError,
  NoSpaceError,
  NotLeaderError,
  PermissionDeniedError,
  RequestTimedOutError,
  RequestTooLargeError,
  ServerError,
  SessionExpiredError,
  StmConflictError,
  TooManyOpsError,
  TooManyPendingCallsError,
  UnavailableError,
  UnknownOutcomeError,
} from './errors.js';
export {
  type DeleteOptions,
  type DeleteResult,
  type Header,
  KeyValue,
  type PutOptions,
  type PutResult,
  type RangeOptions,
  type RangeResult,
  type SortOrder,
  type SortTarget,
} from './kv-types.js';
export type {
  LeaseApi,
  LeaseGrantResult,
  LeaseKeepAliveResult,
  LeaseTimeToLiveResult,
} from './lease.js';
export type {
  Alarm,
  AlarmKind,
  HashKvResult,
  MaintenanceApi,
  MemberCallOptions,
  StatusResult,
} from './maintenance.js';
export {
  type CompareOperator,
  type CompareRange,
  compare,
  op,
  TxnBuilder,
  type TxnOpResult,
  type TxnResult,
} from './txn.js';
export type { WatchBatch, WatchEvent, WatchFilter, WatchOptions } from './watch/watch-types.js';
export type { Watcher } from './watch/watcher.js';
