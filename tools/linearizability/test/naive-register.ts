import type { RegisterValue } from '../src/register-model.js';
import type { RegisterOperation } from './register-ops.js';

/**
 * Deliberately naive references, sharing no code with the checker: registers are a Map, and
 * linearizability is decided by trying every order of the operations (exponential; tiny histories).
 */

/** Applies one operation to `registers` if the output it returned fits; false otherwise. */
function applyNaive(registers: Map<string, RegisterValue>, op: RegisterOperation): boolean {
  const current = registers.get(op.input.key) ?? null;
  switch (op.input.type) {
    case 'read':
      return op.output === undefined || (op.output.type === 'read' && op.output.value === current);
    case 'write':
      registers.set(op.input.key, op.input.value);
      return true;
    case 'cas': {
      const succeeds = current === op.input.expected;
      if (op.output !== undefined && (op.output.type !== 'cas' || op.output.ok !== succeeds)) return false;
      if (succeeds) registers.set(op.input.key, op.input.value);
      return true;
    }
  }
}

/** True when op `a` returned strictly before op `b` was called: `a` must take effect first. */
function precedes(a: RegisterOperation, b: RegisterOperation): boolean {
  return a.return !== undefined && a.return < b.call;
}

export function naiveIsLinearizable(history: readonly RegisterOperation[]): boolean {
  const placed = new Array<boolean>(history.length).fill(false);
  const search = (registers: Map<string, RegisterValue>): boolean => {
    if (history.every((op, i) => placed[i] || op.return === undefined)) return true;
    for (let i = 0; i < history.length; i++) {
      if (placed[i]) continue;
      const op = history[i]!;
      if (history.some((other, j) => !placed[j] && j !== i && precedes(other, op))) continue;
      const next = new Map(registers);
      if (!applyNaive(next, op)) continue;
      placed[i] = true;
      if (search(next)) return true;
      placed[i] = false;
    }
    return false;
  };
  return search(new Map());
}

/** Checks a claimed linearization: every completed op once, real-time order kept, outputs fit. */
export function isValidLinearization(history: readonly RegisterOperation[], order: readonly number[]): boolean {
  if (new Set(order).size !== order.length) return false;
  if (!history.every((op, i) => op.return === undefined || order.includes(i))) return false;
  for (let a = 0; a < order.length; a++) {
    for (let b = a + 1; b < order.length; b++) {
      if (precedes(history[order[b]!]!, history[order[a]!]!)) return false;
    }
  }
  const registers = new Map<string, RegisterValue>();
  return order.every((i) => applyNaive(registers, history[i]!));
}
