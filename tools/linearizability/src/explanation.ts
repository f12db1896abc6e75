import { EventList, NIL } from './event-list.js';
import type { Operation } from './history.js';
import type { Model } from './model.js';
import type { PrefixStep } from './search.js';

/** Why a partition is not linearizable, in the terms of the longest linearizable prefix found. */
export interface IllegalExplanation<State> {
  /** The longest sequence of operations (history ids) that could take effect, with the state after each. */
  readonly longestPrefix: readonly { readonly operationId: number; readonly stateAfter: State }[];
  /** The state after that prefix (the initial state when it is empty). */
  readonly stateAfterPrefix: State;
  /**
   * The operation that had to take effect next, because it returned before any operation not yet
   * placed was called, and could not: the first return among the operations left.
   */
  readonly blockingOperationId: number;
  /**
   * The operations that could have taken effect right after the prefix (called before the
   * blocking operation returned), and whether the model allows each in `stateAfterPrefix`:
   * `allowed: true` means it can take effect but no way to go on from there was found.
   */
  readonly candidates: readonly { readonly operationId: number; readonly allowed: boolean }[];
}

/**
 * Rebuilds, after the search, what stopped the longest prefix it found. `ids[i]` is the history id
 * of the partition's operation i.
 */
export function explainIllegal<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  ids: readonly number[],
  longestPrefix: readonly PrefixStep<State>[],
): IllegalExplanation<State> {
  const list = new EventList(
    operations.map((op) => op.call),
    operations.map((op) => op.return ?? Number.POSITIVE_INFINITY),
  );
  for (const step of longestPrefix) list.lift(step.operation);
  const stateAfterPrefix = longestPrefix.at(-1)?.stateAfter ?? model.init();
  const candidates: { operationId: number; allowed: boolean }[] = [];
  let blocking = -1;
  for (let entry = list.first(); entry !== NIL; entry = list.next[entry]!) {
    const op = list.operationOf[entry]!;
    if (list.isCall[entry] === 0) {
      blocking = op;
      break;
    }
    const operation = operations[op]!;
    const allowed = model.step(stateAfterPrefix, operation.input, operation.output).length > 0;
    candidates.push({ operationId: ids[op]!, allowed });
  }
  if (blocking < 0) throw new Error('an illegal partition has a completed operation left after its longest prefix');
  return {
    longestPrefix: longestPrefix.map((step) => ({ operationId: ids[step.operation]!, stateAfter: step.stateAfter })),
    stateAfterPrefix,
    blockingOperationId: ids[blocking]!,
    candidates,
  };
}
