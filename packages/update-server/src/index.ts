// @coreos-ts/update-server: an Omaha v3 update server with Nebraska's model (applications,
// packages, channels, groups with rollout policy, instances, events) on LevelDB.

export { AdminError, type AdminErrorCode } from './admin/admin-error.js';
export { type GroupProgress, type GroupSpec, UpdateAdmin } from './admin/update-admin.js';
export {
  type AttemptOutcome,
  type DecisionResult,
  type DenyReason,
  decideUpdate,
  defaultRolloutPolicy,
  expireAttempts,
  forVersion,
  initialRolloutState,
  type RolloutDecision,
  type RolloutPolicy,
  type RolloutState,
  recordAttemptOutcome,
  setPaused,
  type UpdateRequest,
  validateRolloutPolicy,
  withinOfficeHours,
} from './core/rollout-policy.js';
export { policyPatchFromPb, policyToPb, updateAdminService } from './grpc/update-admin-service.js';
export { parseRange, type RangeResult } from './http/range.js';
export { createUpdateHttpServer, listenHttp } from './http/update-http-server.js';
export {
  type Application,
  type Channel,
  DEFAULT_APP_ID,
  type Group,
  type Instance,
  type InstanceEvent,
  InstanceStatus,
  type PackageRecord,
} from './model/entities.js';
export {
  defaultStoreLimits,
  StoreLimitError,
  type StoreOp,
  UpdateStore,
  type UpdateStoreLimits,
} from './model/update-store.js';
export { OmahaHandler, type OmahaHandlerOptions } from './omaha/omaha-handler.js';
export { UpdateServer, type UpdateServerDeps } from './update-server.js';
export {
  defaultUpdateServerConfig,
  type UpdateServerConfig,
  validateUpdateServerConfig,
} from './update-server-config.js';
