import type { Operation } from './history.js';

/** What a client holds between invoking an operation and learning its outcome. */
export interface PendingOperation {
  readonly id: number;
}

/**
 * Collects a history as clients run: `invoke` before sending a request, then exactly one of
 * `complete` (an answer came back) or `fail` (the outcome is unknown: timeout, lost connection).
 * An operation still pending when the history is taken counts as indeterminate. The clock is
 * injected and must be monotonic (e.g. performance.now), shared by all clients.
 */
export class HistoryRecorder<Input, Output> {
  private readonly operations: { clientId: number; call: number; input: Input; return?: number; output?: Output }[] =
    [];
  private readonly settled: boolean[] = [];

  constructor(
    private readonly clock: () => number,
    private readonly operationsMax = 1_000_000,
  ) {}

  invoke(clientId: number, input: Input): PendingOperation {
    if (this.operations.length >= this.operationsMax) {
      throw new RangeError(`history recorder is full (operationsMax ${this.operationsMax})`);
    }
    const id = this.operations.length;
    this.operations.push({ clientId, call: this.clock(), input });
    this.settled.push(false);
    return { id };
  }

  complete(pending: PendingOperation, output: Output): void {
    const op = this.settle(pending);
    op.return = this.clock();
    op.output = output;
  }

  /** The outcome is unknown: the operation may or may not take effect. */
  fail(pending: PendingOperation): void {
    this.settle(pending);
  }

  history(): Operation<Input, Output>[] {
    return this.operations.map((op): Operation<Input, Output> => {
      if (op.return === undefined) return { clientId: op.clientId, call: op.call, input: op.input };
      return { clientId: op.clientId, call: op.call, return: op.return, input: op.input, output: op.output as Output };
    });
  }

  private settle(pending: PendingOperation): { return?: number; output?: Output } {
    const op = this.operations[pending.id];
    if (op === undefined || this.settled[pending.id]) {
      throw new Error(`operation ${pending.id} is not pending in this recorder`);
    }
    this.settled[pending.id] = true;
    return op;
  }
}
