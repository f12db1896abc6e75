export {
  type CheckOptions,
  type CheckResult,
  checkHistory,
  defaultCheckOptions,
  type PartitionReport,
  type UnknownReason,
  type Verdict,
  validateCheckOptions,
} from './check-history.js';
export type { IllegalExplanation } from './explanation.js';
export { formatCheckResult } from './format-result.js';
export {
  type CompletedOperation,
  type History,
  type IndeterminateOperation,
  InvalidHistoryError,
  isIndeterminate,
  type Operation,
  validateHistory,
} from './history.js';
export { formatHistoryJsonl, formatOperationJson, HistoryFormatError, parseHistoryJsonl } from './history-jsonl.js';
export { HistoryRecorder, type PendingOperation } from './history-recorder.js';
export {
  createKvModel,
  type KvEntry,
  type KvInput,
  type KvModelOptions,
  type KvOutput,
  type KvState,
  kvCodec,
} from './kv-model.js';
export {
  describeOperationOf,
  describeStateOf,
  type Model,
  type ModelCodec,
  type Partition,
  partitionByKey,
} from './model.js';
export {
  type RegisterInput,
  type RegisterOutput,
  type RegisterState,
  type RegisterValue,
  registerCodec,
  registerModel,
} from './register-model.js';
