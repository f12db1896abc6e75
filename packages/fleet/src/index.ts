// @coreos-ts/fleet: units, their [X-Fleet] requirements, the pure scheduler, the runtimes, and
// the registry in kv, the engine, the agent, the gRPC service and fleetd around them.

export { Agent } from './agent/agent.js';
export { type AgentConfig, validateAgentConfig } from './agent/agent-config.js';
export {
  type AgentAction,
  type AgentTarget,
  agentActions,
  agentTargets,
  type KnownUnit,
} from './agent/agent-targets.js';
export { FleetApiClient, type FleetApiClientOptions } from './api/fleet-api-client.js';
export { createFleetService, type FleetServiceDeps } from './api/fleet-service.js';
export { KvMirror, type KvMirrorOptions } from './control/kv-mirror.js';
export { Engine, type EngineStatus } from './engine/engine.js';
export { type EngineConfig, validateEngineConfig } from './engine/engine-config.js';
export { type Fence, NotLeaderAnymore, writeFenced } from './engine/fenced-write.js';
export { type EnginePass, type KvWrite, type RequirementsOf, reconcile } from './engine/reconcile.js';
export {
  type ClusterState,
  mergeMachine,
  type RegisteredMachine,
  type RegisteredUnit,
  readClusterState,
} from './registry/cluster-state.js';
export { DEFAULT_KEY_PREFIX, RegistryKeys } from './registry/keys.js';
export type { MachineRecord, UnitRecord, UnitStateRecord } from './registry/records.js';
export { defaultRegistryLimits, Registry, type RegistryLimits, validateUnit } from './registry/registry.js';
export type { MachineView, ReportedState, UnitView } from './registry/unit-views.js';

export { type ContainerConfig, type ContainerNetwork, parseContainerConfig } from './runtime/container-config.js';
export {
  DockerRuntime,
  type DockerRuntimeConfig,
  defaultDockerRuntimeConfig,
  MACHINE_LABEL,
  UNIT_LABEL,
} from './runtime/docker/docker-runtime.js';
export { ProcessRuntime } from './runtime/process/process-runtime.js';
export {
  defaultProcessRuntimeConfig,
  type ProcessRuntimeConfig,
  validateProcessRuntimeConfig,
} from './runtime/process/process-runtime-config.js';
export {
  type ExitInfo,
  parseTimeSpanMs,
  RESTART_POLICIES,
  type RestartPolicy,
  restartDelayMs,
  shouldRestart,
} from './runtime/restart-policy.js';
export { RingLog, type RingLogLimits } from './runtime/ring-log.js';
export {
  type Command,
  type EnvironmentFileRef,
  parseEnvironmentFile,
  parseServiceConfig,
  RuntimeConfigError,
  type ServiceConfig,
} from './runtime/service-config.js';
export {
  inactiveStatus,
  type LogOptions,
  type RunningUnit,
  type RuntimeUnit,
  type UnitRuntime,
  type UnitStatus,
} from './runtime/unit-runtime.js';
export { globalTargets } from './scheduler/global-targets.js';
export {
  describeMetadata,
  type Machine,
  matchesMachineId,
  matchesMetadata,
  parseMachineMetadata,
  type SchedulerUnit,
  SHORT_ID_LENGTH,
} from './scheduler/machine.js';
export { type Plan, type PlanAction, plan, type Unplaced } from './scheduler/plan.js';
export { type RunningFleetd, startFleetd } from './server/fleetd.js';
export { defaultFleetdConfig, type FleetdConfig, validateFleetdConfig } from './server/fleetd-config.js';
export { compileGlob, globMatch, isLiteralPattern } from './unit/glob.js';
export { expandRuntimeSpecifiers } from './unit/runtime-specifiers.js';
export { expandSpecifiers } from './unit/specifiers.js';
export {
  type ActiveState,
  applyCommand,
  type CommandOutcome,
  type CurrentState,
  currentState,
  type DesiredState,
  FLEET_COMMANDS,
  type FleetCommand,
  isUnitState,
  type RuntimeUnitState,
  UNIT_STATES,
  type UnitState,
} from './unit/states.js';
export {
  defaultUnitFileLimits,
  parseUnitFile,
  serializeUnitFile,
  type UnitFile,
  type UnitFileLimits,
  type UnitOption,
  UnitParseError,
  unitSections,
  unitValue,
  unitValues,
} from './unit/unit-file.js';
export { unitHash } from './unit/unit-hash.js';
export {
  instanceOf,
  parseUnitName,
  templateOf,
  UNIT_NAME_LENGTH_MAX,
  UNIT_TYPES,
  type UnitName,
  UnitNameError,
  type UnitType,
  unitNameProblem,
} from './unit/unit-name.js';
export { splitWords, WordSplitError } from './unit/words.js';
export {
  isTruthy,
  noRequirements,
  parseXFleet,
  requirementsProblem,
  X_FLEET_SECTION,
  XFleetError,
  type XFleetErrorCode,
  type XFleetRequirements,
} from './unit/x-fleet.js';
