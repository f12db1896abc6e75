// @coreos-ts/update-engine: the node agent's pure cores (status machine, gptprio, check
// schedule), the Omaha v3 codec, the payload format, boot control and the engine itself.

export {
  type BootControl,
  otherSlot,
  readSlotVersion,
  SLOT_NAMES,
  type SlotDevice,
  type SlotFlags,
  type SlotName,
  simulateBoot,
} from './boot/boot-control.js';
export { FileBootControl, type FileBootControlOptions } from './boot/file-boot-control.js';
export {
  bootDiskImage,
  type DiskBootResult,
  GptBootControl,
  SLOT_LABELS,
  USR_A_UUID,
  USR_B_UUID,
  USR_PARTITION_TYPE,
} from './boot/gpt-boot-control.js';
export { writeSlot } from './boot/slot-writer.js';
export {
  type CheckOutcome,
  type CheckScheduleConfig,
  type CheckScheduleState,
  defaultCheckScheduleConfig,
  nextCheckDelayMs,
  recordCheckOutcome,
  validateCheckScheduleConfig,
} from './core/check-schedule.js';
export {
  type BootChoice,
  type BootSlot,
  chooseBootSlot,
  decodeGptPrio,
  encodeGptPrio,
  type GptPrioAttributes,
  markSlotGood,
  prioritizeForTrial,
} from './core/gptprio.js';
export { type PendingSlotUpdate, type PostBootPlan, planPostBoot } from './core/post-boot.js';
export {
  initialStatusState,
  isBusy,
  type StatusEvent,
  type StatusState,
  statusName,
  type TransitionResult,
  transitionStatus,
  UpdateStatus,
} from './core/update-status.js';
export { type Clock, type Random, systemClock, systemTimers, type Timers } from './engine/clock.js';
export { bootControlFor, commandHook, type DaemonOptions, type RunningDaemon, startDaemon } from './engine/daemon.js';
export { commandProbe, type HealthProbe, runHealthWindow } from './engine/health-check.js';
export { type Logger as EngineLogger, silentLogger as silentEngineLogger } from './engine/logger.js';
export {
  type BootInfo,
  type PostBootOutcome,
  type SlotInfo,
  UPDATER_VERSION,
  UpdateEngine,
  type UpdateEngineDeps,
} from './engine/update-engine.js';
export {
  bootedSlotFromCmdline,
  defaultUpdateEngineConfig,
  FLATCAR_APP_ID,
  mergeUpdateConfs,
  parseUpdateConf,
  type UpdateEngineConfig,
  validateUpdateEngineConfig,
} from './engine/update-engine-config.js';
export { UpdateError } from './engine/update-error.js';
export { toStatusResponse, updateEngineService } from './grpc/update-engine-service.js';
export { ERROR_FLAG_RESUMED, ErrorCode, EventResult, EventType, errorCodeName } from './omaha/omaha-codes.js';
export {
  decodeOmahaRequest,
  encodeOmahaRequest,
  type OmahaAppRequest,
  type OmahaEvent,
  type OmahaRequest,
} from './omaha/omaha-request.js';
export {
  decodeOmahaResponse,
  encodeOmahaResponse,
  interpretUpdateCheck,
  type OfferedUpdate,
  type OmahaAction,
  type OmahaAppResponse,
  type OmahaPackage,
  type OmahaResponse,
  type OmahaUpdateCheck,
  type UpdateCheckOutcome,
} from './omaha/omaha-response.js';
export { OmahaXmlError } from './omaha/omaha-xml.js';
export { type BuiltPayload, buildPayloadFile, verifyPayloadFile } from './payload/payload-file.js';
export {
  buildPayload,
  decodePayloadHeader,
  decodeSignatureTrailer,
  loadPrivateKey,
  loadPublicKey,
  PAYLOAD_HEADER_BYTES,
  PayloadFormatError,
  type PayloadHeader,
  payloadBytes,
  SIGNATURE_TRAILER_BYTES,
} from './payload/payload-format.js';
