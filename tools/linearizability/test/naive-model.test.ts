import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/check-history.js';
import type { RegisterInput, RegisterOutput, RegisterValue } from '../src/register-model.js';
import { registerModel } from '../src/register-model.js';
import { isValidLinearization, naiveIsLinearizable } from './naive-register.js';
import type { RegisterOperation } from './register-ops.js';
import { propertySeed } from './seed.js';

// Tiny random histories with random (mostly wrong) outputs, so both verdicts are common.
const valueArb: fc.Arbitrary<RegisterValue> = fc.constantFrom(null, 1, 2, 'a');
const inputArb: fc.Arbitrary<RegisterInput> = fc.oneof(
  fc.record({ type: fc.constant('read' as const), key: fc.constantFrom('x', 'y') }),
  fc.record({ type: fc.constant('write' as const), key: fc.constantFrom('x', 'y'), value: valueArb }),
  fc.record({ type: fc.constant('cas' as const), key: fc.constantFrom('x', 'y'), expected: valueArb, value: valueArb }),
);
function outputArb(input: RegisterInput): fc.Arbitrary<RegisterOutput> {
  switch (input.type) {
    case 'read':
      return valueArb.map((value) => ({ type: 'read', value }));
    case 'write':
      return fc.constant({ type: 'write' });
    case 'cas':
      return fc.boolean().map((ok) => ({ type: 'cas', ok }));
  }
}
const operationArb: fc.Arbitrary<RegisterOperation> = fc
  .record({
    clientId: fc.integer({ min: 0, max: 3 }),
    call: fc.integer({ min: 0, max: 12 }),
    duration: fc.integer({ min: 0, max: 6 }),
    indeterminate: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    input: inputArb,
  })
  .chain(({ clientId, call, duration, indeterminate, input }) =>
    outputArb(input).map(
      (output): RegisterOperation =>
        indeterminate ? { clientId, call, input } : { clientId, call, return: call + duration, input, output },
    ),
  );
const historyArb = fc.array(operationArb, { minLength: 0, maxLength: 7 });

describe('checkHistory against a brute-force checker (every order tried)', () => {
  const seed = propertySeed();
  it(`agrees on tiny random histories, partitioned or whole, with a valid witness when ok (seed ${seed})`, () => {
    const seen = { ok: 0, illegal: 0, indeterminate: 0 };
    fc.assert(
      fc.property(historyArb, (history) => {
        const expected = naiveIsLinearizable(history) ? 'ok' : 'illegal';
        const partitioned = checkHistory(registerModel, history);
        const whole = checkHistory(registerModel, history, { partition: false });
        expect(partitioned.result).toBe(expected);
        expect(whole.result).toBe(expected);
        if (expected === 'ok') {
          const witness = whole.partitions[0]?.linearization ?? [];
          expect(isValidLinearization(history, witness)).toBe(true);
        }
        seen[expected]++;
        if (history.some((op) => op.return === undefined)) seen.indeterminate++;
      }),
      { seed, numRuns: 1500 },
    );
    // Both verdicts, and indeterminate operations, must have been exercised.
    expect(seen.ok).toBeGreaterThan(150);
    expect(seen.illegal).toBeGreaterThan(150);
    expect(seen.indeterminate).toBeGreaterThan(150);
  });
});
