import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../src/check-history.js';
import type { Operation } from '../src/history.js';
import { createKvModel, type KvInput, type KvOutput, kvCodec } from '../src/kv-model.js';
import { createRng } from '../src/testing/index.js';
import { propertySeed } from './seed.js';

type KvOperation = Operation<KvInput, KvOutput>;
const kv = createKvModel();

function op(clientId: number, call: number, ret: number, input: KvInput, output: KvOutput): KvOperation {
  return { clientId, call, return: ret, input, output };
}

describe('kv model (etcd-flavoured, with revisions)', () => {
  it('puts bump the revision; gets see value, modRevision and the store revision', () => {
    const history = [
      op(1, 0, 1, { type: 'put', key: 'a', value: 'x' }, { type: 'put', revision: 2 }),
      op(1, 2, 3, { type: 'put', key: 'b', value: 'y' }, { type: 'put', revision: 3 }),
      op(2, 4, 5, { type: 'get', key: 'a' }, { type: 'get', value: 'x', modRevision: 2, revision: 3 }),
      op(2, 6, 7, { type: 'delete', key: 'a' }, { type: 'delete', deleted: 1, revision: 4 }),
      op(2, 8, 9, { type: 'delete', key: 'a' }, { type: 'delete', deleted: 0, revision: 4 }),
      op(2, 10, 11, { type: 'get', key: 'a' }, { type: 'get', value: null, modRevision: 0, revision: 4 }),
    ];
    expect(checkHistory(kv, history).result).toBe('ok');
    expect(checkHistory(createKvModel({ initialRevision: 5 }), history).result).toBe('illegal');
  });

  it('orders concurrent puts by the revisions they returned', () => {
    const puts = [
      op(1, 0, 10, { type: 'put', key: 'a', value: 'x' }, { type: 'put', revision: 3 }),
      op(2, 0, 10, { type: 'put', key: 'a', value: 'y' }, { type: 'put', revision: 2 }),
    ];
    const seesX = op(3, 11, 12, { type: 'get', key: 'a' }, { type: 'get', value: 'x', modRevision: 3, revision: 3 });
    const seesY = op(3, 11, 12, { type: 'get', key: 'a' }, { type: 'get', value: 'y', modRevision: 2, revision: 3 });
    expect(checkHistory(kv, [...puts, seesX]).result).toBe('ok');
    expect(checkHistory(kv, [...puts, seesY]).result).toBe('illegal');
  });

  it('catches a stale read by its revision even when the value matches', () => {
    const history = [
      op(1, 0, 1, { type: 'put', key: 'a', value: 'x' }, { type: 'put', revision: 2 }),
      op(1, 2, 3, { type: 'put', key: 'b', value: 'x' }, { type: 'put', revision: 3 }),
      op(2, 4, 5, { type: 'get', key: 'a' }, { type: 'get', value: 'x', modRevision: 2, revision: 2 }),
    ];
    expect(checkHistory(kv, history).result).toBe('illegal');
  });

  it('compare-and-swap on value or modRevision', () => {
    const put = op(1, 0, 1, { type: 'put', key: 'a', value: 'x' }, { type: 'put', revision: 2 });
    const byRevision = { type: 'cas', key: 'a', compare: 'modRevision', expected: 2, value: 'y' } as const;
    const byValue = { type: 'cas', key: 'a', compare: 'value', expected: 'x', value: 'z' } as const;
    expect(checkHistory(kv, [put, op(2, 2, 3, byRevision, { type: 'cas', succeeded: true, revision: 3 })]).result).toBe(
      'ok',
    );
    expect(
      checkHistory(kv, [
        put,
        op(2, 2, 5, byRevision, { type: 'cas', succeeded: true, revision: 3 }),
        op(3, 2, 5, byValue, { type: 'cas', succeeded: true, revision: 4 }),
      ]).result,
    ).toBe('illegal');
    expect(
      checkHistory(kv, [
        put,
        op(2, 2, 5, byRevision, { type: 'cas', succeeded: true, revision: 3 }),
        op(3, 2, 5, byValue, { type: 'cas', succeeded: false, revision: 3 }),
      ]).result,
    ).toBe('ok');
  });

  it('an indeterminate put may have taken effect, and then owns its revision', () => {
    const lost: KvOperation = { clientId: 1, call: 0, input: { type: 'put', key: 'a', value: 'x' } };
    const later = op(2, 5, 6, { type: 'put', key: 'b', value: 'y' }, { type: 'put', revision: 3 });
    expect(checkHistory(kv, [lost, later]).result).toBe('ok');
    const without = op(2, 5, 6, { type: 'put', key: 'b', value: 'y' }, { type: 'put', revision: 2 });
    expect(checkHistory(kv, [lost, without]).result).toBe('ok');
    const gap = op(2, 5, 6, { type: 'put', key: 'b', value: 'y' }, { type: 'put', revision: 4 });
    expect(checkHistory(kv, [lost, gap]).result).toBe('illegal');
  });

  it('decodes its JSON form', () => {
    const input = kvCodec.decodeInput({ type: 'cas', key: 'k', compare: 'modRevision', expected: 0, value: 'v' });
    expect(input).toEqual({ type: 'cas', key: 'k', compare: 'modRevision', expected: 0, value: 'v' });
    expect(kvCodec.decodeOutput({ type: 'cas', succeeded: false, revision: 7 }, input)).toEqual({
      type: 'cas',
      succeeded: false,
      revision: 7,
    });
    expect(() => kvCodec.decodeInput({ type: 'cas', key: 'k', compare: 'version', expected: 0, value: 'v' })).toThrow(
      /compare/,
    );
    expect(() => kvCodec.decodeOutput({ type: 'put' }, { type: 'put', key: 'k', value: 'v' })).toThrow(/revision/);
    expect(() => createKvModel({ initialRevision: 0 })).toThrow(/initialRevision/);
  });

  const seed = propertySeed();
  it(`accepts histories of a real store, and rejects them once one get reports a wrong modRevision (seed ${seed})`, () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 20 }),
        (runSeed, clients, opsEach) => {
          const history = simulateKv(runSeed, clients, opsEach);
          expect(checkHistory(kv, history).result).toBe('ok');
          const gets = history.flatMap((o, i) => (o.input.type === 'get' ? [i] : []));
          const target = gets[Math.abs(runSeed) % Math.max(gets.length, 1)];
          if (target === undefined) return;
          const mutated = history.map(
            (o, i): KvOperation =>
              i === target && o.return !== undefined && o.output.type === 'get'
                ? { ...o, output: { ...o.output, modRevision: 1_000_000 } }
                : o,
          );
          expect(checkHistory(kv, mutated).result).toBe('illegal');
        },
      ),
      { seed, numRuns: 150 },
    );
  });
});

/** Clients against a naive store (a Map and a counter), each operation applied inside its interval. */
function simulateKv(seed: number, clients: number, opsEach: number): KvOperation[] {
  const rng = createRng(seed);
  const planned: { clientId: number; call: number; ret: number; at: number; input: KvInput }[] = [];
  for (let clientId = 0; clientId < clients; clientId++) {
    let now = rng.int(0, 5);
    for (let n = 0; n < opsEach; n++) {
      const call = now;
      const ret = call + rng.int(1, 15);
      const key = `k${rng.int(0, 1)}`;
      const roll = rng.int(0, 3);
      const input: KvInput =
        roll === 0
          ? { type: 'get', key }
          : roll === 1
            ? { type: 'put', key, value: `v${rng.int(0, 3)}` }
            : roll === 2
              ? { type: 'delete', key }
              : { type: 'cas', key, compare: 'value', expected: `v${rng.int(0, 3)}`, value: `v${rng.int(0, 3)}` };
      planned.push({ clientId, call, ret, at: call + rng.next() * (ret - call), input });
      now = ret + rng.int(1, 5);
    }
  }
  const store = new Map<string, { value: string; modRevision: number }>();
  let revision = 1;
  const outputs = new Map<number, KvOutput>();
  const order = planned.map((_, i) => i).sort((a, b) => planned[a]!.at - planned[b]!.at);
  for (const i of order) {
    const { input } = planned[i]!;
    const current = store.get(input.key);
    if (input.type === 'get') {
      outputs.set(i, { type: 'get', value: current?.value ?? null, modRevision: current?.modRevision ?? 0, revision });
    } else if (input.type === 'put') {
      store.set(input.key, { value: input.value, modRevision: ++revision });
      outputs.set(i, { type: 'put', revision });
    } else if (input.type === 'delete') {
      if (current !== undefined) {
        store.delete(input.key);
        revision++;
      }
      outputs.set(i, { type: 'delete', deleted: current === undefined ? 0 : 1, revision });
    } else {
      const succeeded = (current?.value ?? null) === input.expected;
      if (succeeded) store.set(input.key, { value: input.value, modRevision: ++revision });
      outputs.set(i, { type: 'cas', succeeded, revision });
    }
  }
  return planned.map((p, i) => ({
    clientId: p.clientId,
    call: p.call,
    return: p.ret,
    input: p.input,
    output: outputs.get(i)!,
  }));
}
