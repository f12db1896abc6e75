import { RaftError } from './errors.js';
import type { NodeId } from './types.js';

export type ReadOnlyOption = 'safe' | 'lease-based';

/** Structured logger: constant messages, data in fields. */
export interface Logger {
  debug(fields: Record<string, unknown>, msg: string): void;
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface Config {
  /** This node's ID; must not be 0. */
  id: NodeId;
  /** Ticks without hearing from a leader before a follower campaigns (randomized in [electionTick, 2*electionTick)). */
  electionTick: number;
  /** Ticks between leader heartbeats. */
  heartbeatTick: number;
  /** The last applied index on restart; committed entries up to it are not returned again. */
  applied: number;
  /** Upper bound on the bytes of entries in one MsgApp (at least one entry is always sent). */
  maxSizePerMsg: number;
  /** Upper bound on the bytes of committed entries in one Ready. */
  maxCommittedSizePerReady: number;
  /** Upper bound on the payload bytes of the leader's uncommitted tail; proposals beyond it are dropped. */
  maxUncommittedEntriesSize: number;
  /** Upper bound on MsgApps in flight to one follower in replicate state. */
  maxInflightMsgs: number;
  /** Upper bound on payload bytes in flight to one follower (0 = no byte limit). */
  maxInflightBytes: number;
  /** The leader steps down when it has not heard from a quorum within an election timeout. */
  checkQuorum: boolean;
  /** Run a pre-election round that does not disturb the term unless the candidate could win. */
  preVote: boolean;
  /** How ReadIndex is served: a quorum-confirmed heartbeat round (safe) or the leader lease. */
  readOnlyOption: ReadOnlyOption;
  /** Followers drop proposals instead of forwarding them to the leader. */
  disableProposalForwarding: boolean;
  /** A leader removed from (or demoted in) the configuration steps down when the change is applied. */
  stepDownOnRemoval: boolean;
  /** Seeded random source in [0, 1) for election jitter. */
  rng: () => number;
  logger?: Logger;
}

/** A Config with etcd's usual values; pass `id` and a seeded `rng`. */
export function defaultConfig(id: NodeId, rng: () => number): Config {
  return {
    id,
    electionTick: 10,
    heartbeatTick: 1,
    applied: 0,
    maxSizePerMsg: 1024 * 1024,
    maxCommittedSizePerReady: 64 * 1024 * 1024,
    maxUncommittedEntriesSize: 1 << 30,
    maxInflightMsgs: 256,
    maxInflightBytes: 0,
    checkQuorum: true,
    preVote: true,
    readOnlyOption: 'safe',
    disableProposalForwarding: false,
    stepDownOnRemoval: false,
    rng,
  };
}

function fail(msg: string): never {
  throw new RaftError('InvalidConfig', msg);
}

function positiveInt(name: string, v: number): void {
  if (!Number.isSafeInteger(v) || v <= 0) fail(`${name} (${v}) must be a positive integer`);
}

/** Checks every field and relationship once; throws RaftError('InvalidConfig') naming the field. */
export function validateConfig(c: Config): Config {
  if (typeof c.id !== 'bigint' || c.id <= 0n || c.id >= 1n << 64n) fail(`id (${c.id}) must be a uint64 other than 0`);
  positiveInt('heartbeatTick', c.heartbeatTick);
  positiveInt('electionTick', c.electionTick);
  if (c.electionTick <= c.heartbeatTick) {
    fail(`electionTick (${c.electionTick}) must be greater than heartbeatTick (${c.heartbeatTick})`);
  }
  if (!Number.isSafeInteger(c.applied) || c.applied < 0) fail(`applied (${c.applied}) must be a non-negative integer`);
  positiveInt('maxSizePerMsg', c.maxSizePerMsg);
  positiveInt('maxCommittedSizePerReady', c.maxCommittedSizePerReady);
  positiveInt('maxUncommittedEntriesSize', c.maxUncommittedEntriesSize);
  positiveInt('maxInflightMsgs', c.maxInflightMsgs);
  if (!Number.isSafeInteger(c.maxInflightBytes) || c.maxInflightBytes < 0) {
    fail(`maxInflightBytes (${c.maxInflightBytes}) must be a non-negative integer (0 = unlimited)`);
  }
  if (c.maxInflightBytes > 0 && c.maxInflightBytes < c.maxSizePerMsg) {
    fail(`maxInflightBytes (${c.maxInflightBytes}) must be at least maxSizePerMsg (${c.maxSizePerMsg})`);
  }
  if (c.readOnlyOption !== 'safe' && c.readOnlyOption !== 'lease-based') {
    fail(`readOnlyOption (${String(c.readOnlyOption)}) must be 'safe' or 'lease-based'`);
  }
  if (c.readOnlyOption === 'lease-based' && !c.checkQuorum) {
    fail(`readOnlyOption ('lease-based') requires checkQuorum (false) to be true`);
  }
  if (typeof c.rng !== 'function') fail('rng must be a function returning numbers in [0, 1)');
  return c;
}
