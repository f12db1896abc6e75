export {
  type ConfChange,
  type ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV2,
  decodeConfChange,
  decodeConfChangeV2,
  encodeConfChange,
  encodeConfChangeV2,
  enterJoint,
  isConfChangeV2,
  leaveJoint,
  toConfChangeV2,
} from './confchange/conf-change.js';
export { type Config, defaultConfig, type Logger, type ReadOnlyOption, validateConfig } from './config.js';
export { type DropReason, isRaftError, RaftError, type RaftErrorCode } from './errors.js';
export { MemoryStorage } from './memory-storage.js';
export { type JointConfig, jointCommittedIndex, jointVoteResult } from './quorum/joint.js';
export { type MajorityConfig, majorityCommittedIndex, majorityVoteResult } from './quorum/majority.js';
export { type AckedIndexer, VoteResult } from './quorum/vote-result.js';
export { type Peer, RawNode } from './raw-node.js';
export type { ProgressStatus, Status } from './status.js';
export type { Storage } from './storage.js';
export { ProgressState } from './tracker/progress.js';
export {
  type ConfState,
  type Entry,
  EntryType,
  emptyConfState,
  type HardState,
  isEmptyHardState,
  isEmptySnapshot,
  type Message,
  MessageType,
  type NodeId,
  None,
  newMessage,
  type ReadState,
  type Ready,
  type Snapshot,
  type SnapshotMetadata,
  type SoftState,
  StateType,
} from './types.js';
