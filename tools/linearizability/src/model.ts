import type { History } from './history.js';

/** A set of operations, by id (index in the history), that can be checked on its own. */
export interface Partition {
  /** Names the partition for humans (a key, or `*` for the whole history). */
  readonly key: string;
  /** Ids of the operations in the partition, ascending. */
  readonly operationIds: readonly number[];
}

/**
 * The sequential specification of an object: what a single copy, applying one operation at a
 * time, may answer. Pure: no I/O, no clock, no mutation of a state passed in.
 */
export interface Model<State, Input, Output> {
  readonly name: string;
  init(): State;
  /**
   * The states the object may be in after applying `input` in `state` and answering `output`;
   * empty when that answer is impossible in that state. `output` is undefined for an
   * indeterminate operation (the answer was never seen): then every possible outcome counts.
   * More than one state makes the model nondeterministic; the search tries each.
   */
  step(state: State, input: Input, output: Output | undefined): readonly State[];
  /** Equality and hashing of states: two states are equal exactly when their keys are equal. */
  stateKey(state: State): string | number;
  /**
   * Splits a history into independent parts (P-compositionality: a history is linearizable iff
   * each part is). Only valid when operations of different parts never affect each other, e.g.
   * one register per key. Absent: the history is checked whole.
   */
  partition?(history: History<Input, Output>): readonly Partition[];
  /**
   * True for an input that never changes the state (a read): `step` returns either no state or
   * one equal to the state it was given. The search uses it twice: an indeterminate read-only
   * operation constrains nothing and is dropped, and a read-only operation that fits is placed at
   * once without exploring the alternatives (a partial-order reduction).
   */
  isReadOnly?(input: Input): boolean;
  describeOperation?(input: Input, output: Output | undefined): string;
  describeState?(state: State): string;
}

/** Reads inputs and outputs of one model from parsed JSON; throws an Error naming what is wrong. */
export interface ModelCodec<Input, Output> {
  decodeInput(json: unknown): Input;
  decodeOutput(json: unknown, input: Input): Output;
}

export function describeOperationOf<State, Input, Output>(
  model: Model<State, Input, Output>,
  input: Input,
  output: Output | undefined,
): string {
  if (model.describeOperation) return model.describeOperation(input, output);
  return output === undefined
    ? `${JSON.stringify(input)} -> ?`
    : `${JSON.stringify(input)} -> ${JSON.stringify(output)}`;
}

export function describeStateOf<State, Input, Output>(model: Model<State, Input, Output>, state: State): string {
  return model.describeState ? model.describeState(state) : JSON.stringify(state);
}

/** Partitions operations by a key derived from their input, keys in order of first appearance. */
export function partitionByKey<Input, Output>(
  history: History<Input, Output>,
  keyOf: (input: Input) => string,
): Partition[] {
  const groups = new Map<string, number[]>();
  history.forEach((op, id) => {
    const key = keyOf(op.input);
    const group = groups.get(key);
    if (group) group.push(id);
    else groups.set(key, [id]);
  });
  return [...groups].map(([key, operationIds]) => ({ key, operationIds }));
}
