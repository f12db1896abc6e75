import assert from 'node:assert/strict';
import { explainIllegal, type IllegalExplanation } from './explanation.js';
import { type History, type Operation, validateHistory } from './history.js';
import type { Model, Partition } from './model.js';
import { searchLinearization } from './search.js';

export type Verdict = 'ok' | 'illegal' | 'unknown';
export type UnknownReason = 'timeout' | 'cache-limit';

export interface CheckOptions {
  /** Time budget for the whole history, shared by its partitions (default 60 000). */
  readonly timeoutMs?: number;
  /** Milliseconds from any fixed origin (default performance.now). */
  readonly clock?: () => number;
  /** Check the model's partitions separately (default true); false checks the history whole. */
  readonly partition?: boolean;
  /** Bound on remembered configurations per partition (default 5 000 000); beyond it: 'unknown'. */
  readonly cacheEntriesMax?: number;
}

export interface PartitionReport<State> {
  readonly key: string;
  readonly operationIds: readonly number[];
  readonly result: Verdict;
  /** For 'unknown': what stopped the search. */
  readonly reason?: UnknownReason;
  /** For 'ok': history ids in the order they took effect (indeterminate ones that did not, absent). */
  readonly linearization?: readonly number[];
  /** For 'illegal'. */
  readonly explanation?: IllegalExplanation<State>;
  /** Configurations (linearized set, state) explored. */
  readonly statesExplored: number;
  readonly elapsedMs: number;
}

export interface CheckResult<State> {
  /** 'illegal' if any partition is; else 'unknown' if any is; else 'ok'. */
  readonly result: Verdict;
  /** One report per partition, in the model's order. */
  readonly partitions: readonly PartitionReport<State>[];
  readonly operationCount: number;
  readonly elapsedMs: number;
}

/** A JavaScript Set holds at most 2^24 entries. */
const CACHE_ENTRIES_LIMIT = 16_000_000;

export function defaultCheckOptions(): Required<CheckOptions> {
  return { timeoutMs: 60_000, clock: () => performance.now(), partition: true, cacheEntriesMax: 5_000_000 };
}

export function validateCheckOptions(options: Required<CheckOptions>): void {
  if (!(options.timeoutMs >= 0)) throw new RangeError(`timeoutMs (${options.timeoutMs}) must be at least 0`);
  if (!(options.cacheEntriesMax >= 1 && options.cacheEntriesMax <= CACHE_ENTRIES_LIMIT)) {
    throw new RangeError(`cacheEntriesMax (${options.cacheEntriesMax}) must be between 1 and ${CACHE_ENTRIES_LIMIT}`);
  }
}

/**
 * Decides whether `history` is linearizable with respect to `model`. Throws InvalidHistoryError
 * for a malformed history; an impossible one is a verdict ('illegal'), not an error.
 */
export function checkHistory<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: History<Input, Output>,
  options: CheckOptions = {},
): CheckResult<State> {
  const config = { ...defaultCheckOptions(), ...options };
  validateCheckOptions(config);
  validateHistory(history);
  const { clock } = config;
  const started = clock();
  const deadline = started + config.timeoutMs;
  const partitions: readonly Partition[] =
    config.partition && model.partition
      ? model.partition(history)
      : [{ key: '*', operationIds: history.map((_, id) => id) }];
  assertCovers(partitions, history.length);
  // Small partitions first: they are cheap, and one illegal partition settles the verdict.
  const order = partitions
    .map((_, i) => i)
    .sort((a, b) => partitions[a]!.operationIds.length - partitions[b]!.operationIds.length);
  const reports: PartitionReport<State>[] = new Array(partitions.length);
  for (const i of order) {
    const partition = partitions[i]!;
    reports[i] = checkPartition(model, history, partition, {
      clock,
      deadline,
      cacheEntriesMax: config.cacheEntriesMax,
    });
  }
  const verdicts = new Set(reports.map((report) => report.result));
  const result: Verdict = verdicts.has('illegal') ? 'illegal' : verdicts.has('unknown') ? 'unknown' : 'ok';
  return { result, partitions: reports, operationCount: history.length, elapsedMs: clock() - started };
}

/** A model's partition() must put every operation in exactly one partition: anything else is a bug. */
function assertCovers(partitions: readonly Partition[], operationCount: number): void {
  const seen = new Uint8Array(operationCount);
  for (const partition of partitions) {
    for (const id of partition.operationIds) {
      assert.ok(id >= 0 && id < operationCount && seen[id] === 0, `partition ${partition.key}: bad operation id ${id}`);
      seen[id] = 1;
    }
  }
  assert.ok(
    seen.every((bit) => bit === 1),
    'some operation is in no partition',
  );
}

interface PartitionLimits {
  readonly clock: () => number;
  readonly deadline: number;
  readonly cacheEntriesMax: number;
}

function checkPartition<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: History<Input, Output>,
  partition: Partition,
  limits: PartitionLimits,
): PartitionReport<State> {
  const started = limits.clock();
  // An indeterminate read constrains nothing: whether and when it happened, it changed nothing.
  const ids = partition.operationIds.filter((id) => {
    const op = history[id]!;
    return op.return !== undefined || !model.isReadOnly?.(op.input);
  });
  const operations: Operation<Input, Output>[] = ids.map((id) => history[id]!);
  const outcome = searchLinearization(model, operations, {
    expired: () => limits.clock() >= limits.deadline,
    cacheEntriesMax: limits.cacheEntriesMax,
  });
  const base = {
    key: partition.key,
    operationIds: partition.operationIds,
    statesExplored: outcome.statesExplored,
    elapsedMs: limits.clock() - started,
  };
  switch (outcome.kind) {
    case 'ok':
      return { ...base, result: 'ok', linearization: outcome.linearization.map((step) => ids[step.operation]!) };
    case 'illegal':
      return {
        ...base,
        result: 'illegal',
        explanation: explainIllegal(model, operations, ids, outcome.longestPrefix),
      };
    case 'unknown':
      return { ...base, result: 'unknown', reason: outcome.reason };
  }
}
