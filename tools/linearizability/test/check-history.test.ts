import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/check-history.js';
import { formatCheckResult } from '../src/format-result.js';
import { InvalidHistoryError } from '../src/history.js';
import type { Model } from '../src/model.js';
import { type RegisterInput, type RegisterOutput, type RegisterState, registerModel } from '../src/register-model.js';
import { cas, lost, type RegisterOperation, read, write } from './register-ops.js';

function verdict(history: RegisterOperation[]): string {
  return checkHistory(registerModel, history).result;
}

describe('checkHistory rejects non-linearizable register histories', () => {
  it('a stale read after a completed write', () => {
    const history = [write(1, 0, 1, 'x', 1), write(1, 2, 3, 'x', 2), read(2, 4, 5, 'x', 1)];
    const result = checkHistory(registerModel, history);
    expect(result.result).toBe('illegal');
    const explanation = result.partitions[0]?.explanation;
    expect(explanation?.longestPrefix.map((step) => step.operationId)).toEqual([0, 1]);
    expect(explanation?.stateAfterPrefix).toEqual(new Map([['x', 2]]));
    expect(explanation?.blockingOperationId).toBe(2);
    expect(explanation?.candidates).toEqual([{ operationId: 2, allowed: false }]);
  });

  it('two concurrent writes that two readers see in opposite orders', () => {
    const history = [
      write(1, 0, 100, 'x', 'a'),
      write(2, 0, 100, 'x', 'b'),
      read(3, 10, 11, 'x', 'a'),
      read(3, 20, 21, 'x', 'b'),
      read(4, 10, 11, 'x', 'b'),
      read(4, 20, 21, 'x', 'a'),
    ];
    expect(verdict(history)).toBe('illegal');
    // Either reader alone is fine: the writes may land in either order.
    expect(verdict(history.slice(0, 4))).toBe('ok');
    expect(verdict([...history.slice(0, 2), ...history.slice(4)])).toBe('ok');
  });

  it('a compare-and-swap that succeeded twice from the same expected value', () => {
    const history = [write(1, 0, 1, 'x', 0), cas(2, 2, 5, 'x', 0, 1, true), cas(3, 2, 5, 'x', 0, 2, true)];
    expect(verdict(history)).toBe('illegal');
    expect(verdict([...history.slice(0, 2), cas(3, 2, 5, 'x', 0, 2, false)])).toBe('ok');
  });

  it('a read of a value never written', () => {
    expect(verdict([write(1, 0, 1, 'x', 1), read(2, 0, 3, 'x', 7)])).toBe('illegal');
    expect(verdict([read(2, 0, 3, 'x', 7)])).toBe('illegal');
  });

  it('a value that reverts: the new value, then the old one, during a slow write', () => {
    const history = [write(1, 0, 100, 'x', 1), read(2, 10, 11, 'x', 1), read(2, 12, 13, 'x', null)];
    expect(verdict(history)).toBe('illegal');
  });

  it('a compare-and-swap that failed although nothing else touched the value', () => {
    expect(verdict([write(1, 0, 1, 'x', 'a'), cas(1, 2, 3, 'x', 'a', 'b', false)])).toBe('illegal');
  });

  it('a read that returned before a write was called, yet saw it', () => {
    expect(verdict([read(1, 0, 4, 'x', 1), write(2, 5, 6, 'x', 1)])).toBe('illegal');
    expect(verdict([read(1, 0, 5, 'x', 1), write(2, 5, 6, 'x', 1)])).toBe('ok');
  });
});

describe('checkHistory accepts linearizable register histories', () => {
  it('the empty history, and a first read of nothing', () => {
    expect(verdict([])).toBe('ok');
    expect(verdict([read(1, 0, 1, 'x', null)])).toBe('ok');
  });

  it('reads overlapping a write see the old value, then the new one', () => {
    const history = [
      write(1, 0, 10, 'x', 1),
      read(2, 1, 2, 'x', null),
      read(3, 1, 9, 'x', 1),
      read(2, 3, 4, 'x', 1),
      read(4, 2, 12, 'x', null),
    ];
    const result = checkHistory(registerModel, history);
    expect(result.result).toBe('ok');
    const order = result.partitions[0]?.linearization ?? [];
    expect([...order].sort()).toEqual([0, 1, 2, 3, 4]);
    // The reads of null come before the write, the reads of 1 after it.
    expect(order.indexOf(1)).toBeLessThan(order.indexOf(0));
    expect(order.indexOf(4)).toBeLessThan(order.indexOf(0));
    expect(order.indexOf(2)).toBeGreaterThan(order.indexOf(0));
  });

  it('touching intervals count as concurrent', () => {
    expect(verdict([write(1, 0, 5, 'x', 1), read(2, 5, 6, 'x', null)])).toBe('ok');
    expect(verdict([write(1, 0, 5, 'x', 1), read(2, 6, 7, 'x', null)])).toBe('illegal');
  });

  it('an indeterminate write that took effect, that did not, or that took effect late', () => {
    const w = lost(1, 0, { type: 'write', key: 'x', value: 1 });
    expect(verdict([w, read(2, 5, 6, 'x', 1)])).toBe('ok');
    expect(verdict([w, read(2, 5, 6, 'x', null)])).toBe('ok');
    expect(verdict([w, read(2, 5, 6, 'x', null), read(2, 100, 101, 'x', 1)])).toBe('ok');
    const result = checkHistory(registerModel, [w, read(2, 5, 6, 'x', null)]);
    expect(result.partitions[0]?.linearization).toEqual([1]);
  });

  it('an indeterminate write cannot be undone once seen, nor take effect before its call', () => {
    const w = lost(1, 10, { type: 'write', key: 'x', value: 1 });
    expect(verdict([w, read(2, 15, 16, 'x', 1), read(2, 17, 18, 'x', null)])).toBe('illegal');
    expect(verdict([w, read(2, 0, 9, 'x', 1)])).toBe('illegal');
  });

  it('an indeterminate compare-and-swap', () => {
    const history = [write(1, 0, 1, 'x', 'a'), lost(2, 2, { type: 'cas', key: 'x', expected: 'a', value: 'b' })];
    expect(verdict([...history, read(3, 5, 6, 'x', 'b')])).toBe('ok');
    expect(verdict([...history, read(3, 5, 6, 'x', 'a')])).toBe('ok');
    // It can only succeed from 'a': after 'c' was written it cannot produce 'b'.
    const late = [write(1, 0, 1, 'x', 'c'), lost(2, 2, { type: 'cas', key: 'x', expected: 'a', value: 'b' })];
    expect(verdict([...late, read(3, 5, 6, 'x', 'b')])).toBe('illegal');
  });

  it('identical indeterminate writes can each take effect, at different times', () => {
    const a = { type: 'write', key: 'x', value: 'a' } as const;
    const reads = [read(3, 1, 2, 'x', 'a'), write(3, 3, 4, 'x', 'b'), read(3, 5, 6, 'x', 'a')];
    expect(verdict([lost(1, 0, a), lost(2, 0, a), ...reads])).toBe('ok');
    expect(verdict([lost(1, 0, a), ...reads])).toBe('illegal');
  });

  it('indeterminate reads are dropped: they constrain nothing', () => {
    const history = [lost(1, 0, { type: 'read', key: 'x' }), write(2, 1, 2, 'x', 1)];
    const result = checkHistory(registerModel, history);
    expect(result.result).toBe('ok');
    expect(result.partitions[0]?.linearization).toEqual([1]);
  });
});

describe('partitions', () => {
  it('reports each key on its own; one illegal key makes the history illegal', () => {
    const history = [write(1, 0, 1, 'x', 1), write(1, 2, 3, 'y', 1), read(2, 4, 5, 'x', 1), read(2, 6, 7, 'y', 2)];
    const result = checkHistory(registerModel, history);
    expect(result.result).toBe('illegal');
    expect(result.partitions.map((p) => [p.key, p.result, p.operationIds])).toEqual([
      ['x', 'ok', [0, 2]],
      ['y', 'illegal', [1, 3]],
    ]);
    const whole = checkHistory(registerModel, history, { partition: false });
    expect(whole.partitions.map((p) => [p.key, p.result])).toEqual([['*', 'illegal']]);
  });
});

describe('models', () => {
  it('a partition() that loses or repeats an operation is a bug, and crashes', () => {
    const lossy = { ...registerModel, partition: () => [{ key: 'x', operationIds: [0] }] };
    expect(() => checkHistory(lossy, [write(1, 0, 1, 'x', 1), write(1, 0, 1, 'y', 1)])).toThrow(/no partition/);
    const twice = { ...registerModel, partition: () => [{ key: 'x', operationIds: [0, 0] }] };
    expect(() => checkHistory(twice, [write(1, 0, 1, 'x', 1)])).toThrow(/bad operation id 0/);
  });

  it('a nondeterministic model: every successor state is tried', () => {
    // A register whose write may silently store either its value or 'lost'.
    const flaky: Model<RegisterState, RegisterInput, RegisterOutput> = {
      ...registerModel,
      step: (state: ReadonlyMap<string, string | number>, input: RegisterInput, output: RegisterOutput | undefined) =>
        input.type === 'write'
          ? [...registerModel.step(state, input, output), new Map(state).set(input.key, 'lost')]
          : registerModel.step(state, input, output),
    };
    const history = [write(1, 0, 1, 'x', 1), read(2, 2, 3, 'x', 'lost'), read(2, 4, 5, 'x', 'lost')];
    expect(checkHistory(flaky, history).result).toBe('ok');
    expect(checkHistory(registerModel, history).result).toBe('illegal');
    expect(checkHistory(flaky, [...history, read(2, 6, 7, 'x', 1)]).result).toBe('illegal');
  });
});

describe('limits', () => {
  // Many concurrent writes and a read that fits none of them: the search must try every order.
  const hard = [
    ...Array.from({ length: 12 }, (_, i) => write(i, 0, 100, 'x', i)),
    read(99, 101, 102, 'x', 'never written'),
  ];

  it('gives up with unknown when the time budget runs out (fake clock: 1 ms per look)', () => {
    let now = 0;
    const result = checkHistory(registerModel, hard, { timeoutMs: 10, clock: () => now++ });
    expect(result.result).toBe('unknown');
    expect(result.partitions[0]?.reason).toBe('timeout');
    expect(checkHistory(registerModel, hard, { timeoutMs: 60_000 }).result).toBe('illegal');
  });

  it('gives up with unknown when the cache is full', () => {
    const result = checkHistory(registerModel, hard, { cacheEntriesMax: 100 });
    expect(result.result).toBe('unknown');
    expect(result.partitions[0]?.reason).toBe('cache-limit');
    expect(result.partitions[0]?.statesExplored).toBe(101);
  });

  it('rejects malformed histories and options', () => {
    expect(() => checkHistory(registerModel, [write(1, 5, 4, 'x', 1)])).toThrow(InvalidHistoryError);
    expect(() => checkHistory(registerModel, [write(1, Number.NaN, 4, 'x', 1)])).toThrow(/call time/);
    expect(() => checkHistory(registerModel, [], { timeoutMs: -1 })).toThrow(/timeoutMs \(-1\)/);
    expect(() => checkHistory(registerModel, [], { cacheEntriesMax: 0 })).toThrow(/cacheEntriesMax/);
  });
});

describe('formatCheckResult', () => {
  it('names the longest prefix, the operation that could not be placed, and why', () => {
    const history = [write(1, 0, 1, 'x', 1), write(1, 2, 3, 'x', 2), read(2, 4, 5, 'x', 1), read(3, 0, 9, 'y', null)];
    const text = formatCheckResult(registerModel, history, checkHistory(registerModel, history));
    expect(text).toMatch(
      /^illegal: the history is NOT linearizable \(model register, 4 operations, 2 partitions: 1 ok, 1 illegal/,
    );
    expect(text).toContain('partition "x": illegal');
    expect(text).not.toContain('partition "y"');
    expect(text).toContain('longest linearizable prefix found (2 operations)');
    expect(text).toContain('#1 client 1 [2, 3] write x = 2  => x=2');
    expect(text).toContain('#2 client 2 [4, 5] read x -> 1  : does not fit this state');
  });

  it('says ok in one line', () => {
    const history = [write(1, 0, 1, 'x', 1)];
    const text = formatCheckResult(registerModel, history, checkHistory(registerModel, history));
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toMatch(/^ok: the history is linearizable/);
  });
});
