import type { History, Operation } from '../history.js';
import type { RegisterInput, RegisterOutput, RegisterValue } from '../register-model.js';
import type { Rng } from './rng.js';

/**
 * Builds histories that are linearizable by construction: clients run operations against one
 * real sequential register per key, each taking effect at an instant inside its interval.
 */
export interface SimulatedOperation {
  readonly clientId: number;
  readonly call: number;
  /** When the answer reaches the client; ignored for an indeterminate operation. */
  readonly return: number;
  /** The instant it is applied to the register: in [call, return], or any time after call if indeterminate. */
  readonly effectAt: number;
  readonly input: RegisterInput;
  /** The client never learns the outcome. */
  readonly indeterminate: boolean;
  /** For an indeterminate operation: whether it is applied at all. */
  readonly takesEffect: boolean;
}

/** Applies the operations in effect order to a Map of registers and records what clients saw. */
export function simulateRegisterHistory(plan: readonly SimulatedOperation[]): History<RegisterInput, RegisterOutput> {
  const registers = new Map<string, RegisterValue>();
  const outputs: (RegisterOutput | undefined)[] = new Array(plan.length);
  const effectOrder = plan.map((_, i) => i).sort((a, b) => plan[a]!.effectAt - plan[b]!.effectAt || a - b);
  for (const i of effectOrder) {
    const op = plan[i]!;
    if (op.indeterminate && !op.takesEffect) continue;
    const current = registers.get(op.input.key) ?? null;
    switch (op.input.type) {
      case 'read':
        outputs[i] = { type: 'read', value: current };
        break;
      case 'write':
        registers.set(op.input.key, op.input.value);
        outputs[i] = { type: 'write' };
        break;
      case 'cas':
        outputs[i] = { type: 'cas', ok: current === op.input.expected };
        if (current === op.input.expected) registers.set(op.input.key, op.input.value);
        break;
    }
  }
  return plan.map((op, i): Operation<RegisterInput, RegisterOutput> => {
    if (op.indeterminate) return { clientId: op.clientId, call: op.call, input: op.input };
    return { clientId: op.clientId, call: op.call, return: op.return, input: op.input, output: outputs[i]! };
  });
}

export interface RegisterWorkload {
  readonly clients: number;
  readonly operationsPerClient: number;
  readonly keys: number;
  /** Distinct values written per key (small: many repeats; large: nearly unique). */
  readonly values: number;
  /** Chance that an operation is indeterminate, in [0, 1]. */
  readonly indeterminateRate: number;
  /** Operation duration and think time between operations, inclusive bounds. */
  readonly durationMax: number;
  readonly gapMax: number;
}

export function defaultRegisterWorkload(): RegisterWorkload {
  return { clients: 5, operationsPerClient: 20, keys: 2, values: 5, indeterminateRate: 0, durationMax: 20, gapMax: 5 };
}

/** Random concurrent clients: each runs its operations one after the other. */
export function planRegisterWorkload(rng: Rng, workload: RegisterWorkload): SimulatedOperation[] {
  const plan: SimulatedOperation[] = [];
  for (let clientId = 0; clientId < workload.clients; clientId++) {
    let now = rng.int(0, workload.gapMax);
    for (let n = 0; n < workload.operationsPerClient; n++) {
      const call = now;
      const ret = call + rng.int(0, workload.durationMax);
      const indeterminate = rng.next() < workload.indeterminateRate;
      // An indeterminate operation may still take effect long after the client gave up on it.
      const effectAt = indeterminate ? call + rng.int(0, workload.durationMax * 4) : call + rng.next() * (ret - call);
      plan.push({
        clientId,
        call,
        return: ret,
        effectAt,
        input: randomInput(rng, workload),
        indeterminate,
        takesEffect: indeterminate && rng.next() < 0.5,
      });
      now = ret + rng.int(0, workload.gapMax);
    }
  }
  return plan;
}

function randomInput(rng: Rng, workload: RegisterWorkload): RegisterInput {
  const key = `k${rng.int(0, workload.keys - 1)}`;
  const value = (): RegisterValue => `v${rng.int(1, workload.values)}`;
  const roll = rng.next();
  if (roll < 0.5) return { type: 'read', key };
  if (roll < 0.8) return { type: 'write', key, value: value() };
  return { type: 'cas', key, expected: rng.next() < 0.2 ? null : value(), value: value() };
}
