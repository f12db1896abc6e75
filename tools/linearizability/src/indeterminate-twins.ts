import type { Operation } from './history.js';

/**
 * Indeterminate operations with identical inputs are interchangeable, and the one called first can
 * go wherever the other can: so the search takes them in call order, trying only the first one
 * left. `result[op]` is the previous indeterminate operation (by call) with the same input as
 * `op`, or -1. Inputs are compared as JSON; inputs JSON cannot encode are never twins.
 */
export function indeterminateTwins<Input, Output>(operations: readonly Operation<Input, Output>[]): Int32Array {
  const twins = new Int32Array(operations.length).fill(-1);
  const byCall = operations
    .map((op, i) => ({ op, i }))
    .filter(({ op }) => op.return === undefined)
    .sort((a, b) => a.op.call - b.op.call || a.i - b.i);
  const lastWithInput = new Map<string, number>();
  for (const { op, i } of byCall) {
    let key: string;
    try {
      key = JSON.stringify(op.input);
    } catch {
      continue;
    }
    const previous = lastWithInput.get(key);
    if (previous !== undefined) twins[i] = previous;
    lastWithInput.set(key, i);
  }
  return twins;
}
