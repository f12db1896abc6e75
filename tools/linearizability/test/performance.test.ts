import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/check-history.js';
import { registerModel } from '../src/register-model.js';
import {
  createRng,
  planRegisterWorkload,
  type RegisterWorkload,
  simulateRegisterHistory,
} from '../src/testing/index.js';
import { type RegisterOperation, withReadValue } from './register-ops.js';

// 5 keys x ~2,000 operations each, from 10 concurrent clients. The bounds are loose (CI machines
// are shared); the figures are printed.
const BOUND_MS = 30_000;
const workload: RegisterWorkload = {
  clients: 10,
  operationsPerClient: 1_000,
  keys: 5,
  values: 1_000_000,
  indeterminateRate: 0.02,
  durationMax: 50,
  gapMax: 5,
};

function timed(history: readonly RegisterOperation[]) {
  const started = performance.now();
  const result = checkHistory(registerModel, history, { timeoutMs: BOUND_MS });
  return { result, ms: Math.round(performance.now() - started) };
}

describe('performance (seed 1)', () => {
  const history = simulateRegisterHistory(planRegisterWorkload(createRng(1), workload));

  it('checks 10,000 operations on 5 keys from 10 clients (2% indeterminate)', () => {
    const { result, ms } = timed(history);
    console.log(
      `linearizable: ${history.length} ops, ${ms} ms, states ${result.partitions.map((p) => p.statesExplored)}`,
    );
    expect(result.result).toBe('ok');
    expect(ms).toBeLessThan(BOUND_MS);
  });

  it('rejects the same history with its last read made to return a value never written', () => {
    const id = history.findLastIndex((op) => op.input.type === 'read' && op.return !== undefined);
    const mutated = history.map((op, i): RegisterOperation => (i === id ? withReadValue(op, 'never written') : op));
    const { result, ms } = timed(mutated);
    console.log(
      `not linearizable: ${history.length} ops, ${ms} ms, states ${result.partitions.map((p) => p.statesExplored)}`,
    );
    expect(result.result).toBe('illegal');
    expect(ms).toBeLessThan(BOUND_MS);
  });
});
