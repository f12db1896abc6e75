// @coreos-ts/fleet: units, their [X-Fleet] requirements, the pure scheduler and the runtimes.

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
export { compileGlob, globMatch, isLiteralPattern } from './unit/glob.js';
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
