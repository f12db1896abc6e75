import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/check-history.js';
import { registerModel } from '../src/register-model.js';
import {
  createRng,
  planRegisterWorkload,
  type RegisterWorkload,
  simulateRegisterHistory,
} from '../src/testing/index.js';
import { isValidLinearization } from './naive-register.js';
import { type RegisterOperation, withReadValue } from './register-ops.js';
import { propertySeed } from './seed.js';

// Histories from clients running against a real sequential register, each operation taking
// effect at a random instant inside its interval (indeterminate ones: maybe, maybe later).
const workloadArb: fc.Arbitrary<RegisterWorkload> = fc.record({
  clients: fc.integer({ min: 1, max: 8 }),
  operationsPerClient: fc.integer({ min: 1, max: 25 }),
  keys: fc.integer({ min: 1, max: 3 }),
  values: fc.integer({ min: 1, max: 6 }),
  indeterminateRate: fc.constantFrom(0, 0.05, 0.2),
  // Clients make progress (no workload where every operation happens at one instant: proving
  // such a history illegal means trying every order, which no checker does quickly).
  durationMax: fc.integer({ min: 1, max: 30 }),
  gapMax: fc.integer({ min: 1, max: 10 }),
});
const simulatedArb = fc
  .record({ workload: workloadArb, seed: fc.integer() })
  .map(({ workload, seed }) => simulateRegisterHistory(planRegisterWorkload(createRng(seed), workload)));

const NEVER_WRITTEN = 'never written';

describe('histories of a real register', () => {
  const seed = propertySeed();

  it(`are always accepted, with a valid witness order (seed ${seed})`, () => {
    fc.assert(
      fc.property(simulatedArb, (history) => {
        const result = checkHistory(registerModel, history);
        expect(result.result).toBe('ok');
        for (const partition of result.partitions) {
          const ops = partition.operationIds.map((id) => history[id]!);
          const order = (partition.linearization ?? []).map((id) => partition.operationIds.indexOf(id));
          expect(isValidLinearization(ops, order)).toBe(true);
        }
      }),
      { seed, numRuns: 300 },
    );
  });

  it(`are always rejected once one read is made to return a value never written (seed ${seed})`, () => {
    const mutatedArb = simulatedArb
      .filter((history) => history.some(isCompletedRead))
      .chain((history) =>
        fc
          .constantFrom(...history.flatMap((op, id) => (isCompletedRead(op) ? [id] : [])))
          .map((id) => ({ history, id })),
      );
    fc.assert(
      fc.property(mutatedArb, ({ history, id }) => {
        const mutated = history.map((op, i): RegisterOperation => (i === id ? withReadValue(op, NEVER_WRITTEN) : op));
        const result = checkHistory(registerModel, mutated);
        expect(result.result).toBe('illegal');
        // Only the mutated read's key is illegal, and the read is in no linearizable prefix.
        const illegal = result.partitions.filter((p) => p.result === 'illegal');
        expect(illegal.map((p) => p.key)).toEqual([history[id]!.input.key]);
        const prefix = illegal[0]?.explanation?.longestPrefix.map((step) => step.operationId);
        expect(prefix).not.toContain(id);
      }),
      { seed, numRuns: 300 },
    );
  });
});

function isCompletedRead(op: RegisterOperation): boolean {
  return op.input.type === 'read' && op.return !== undefined;
}
