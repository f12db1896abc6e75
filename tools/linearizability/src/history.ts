/**
 * A history: what clients saw of a concurrent object. Each operation was invoked at `call` and
 * answered at `return` with `output`. An operation whose outcome the client never learned (a
 * timeout, a lost connection, a killed server) is indeterminate: it has no `return` and no
 * `output`, and may or may not have taken effect, at any instant after its call.
 *
 * Times are plain numbers from one monotonic clock (any unit). An operation that returned at the
 * same instant another was called counts as concurrent with it (the checker does not order them).
 */
export interface CompletedOperation<Input, Output> {
  readonly clientId: number;
  readonly call: number;
  readonly return: number;
  readonly input: Input;
  readonly output: Output;
}

export interface IndeterminateOperation<Input> {
  readonly clientId: number;
  readonly call: number;
  readonly return?: undefined;
  readonly input: Input;
  readonly output?: undefined;
}

export type Operation<Input, Output> = CompletedOperation<Input, Output> | IndeterminateOperation<Input>;

export type History<Input, Output> = readonly Operation<Input, Output>[];

export function isIndeterminate<Input, Output>(op: Operation<Input, Output>): op is IndeterminateOperation<Input> {
  return op.return === undefined;
}

/** Thrown for a history that no recorder could have produced (a return before its call, NaN times). */
export class InvalidHistoryError extends Error {
  constructor(
    readonly operationId: number,
    message: string,
  ) {
    super(`operation #${operationId}: ${message}`);
    this.name = 'InvalidHistoryError';
  }
}

/** Checks the shape that the search relies on; throws InvalidHistoryError naming the first bad operation. */
export function validateHistory<Input, Output>(history: History<Input, Output>): void {
  history.forEach((op, id) => {
    if (!Number.isInteger(op.clientId)) throw new InvalidHistoryError(id, `clientId must be an integer`);
    if (!Number.isFinite(op.call)) throw new InvalidHistoryError(id, `call time must be a finite number`);
    if (op.return === undefined) return;
    if (!Number.isFinite(op.return)) throw new InvalidHistoryError(id, `return time must be a finite number`);
    if (op.return < op.call) {
      throw new InvalidHistoryError(id, `return time (${op.return}) must not be before call time (${op.call})`);
    }
  });
}
