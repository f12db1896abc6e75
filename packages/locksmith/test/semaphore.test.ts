import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LocksmithError } from '../src/errors.js';
import { goJsonString } from '../src/semaphore/go-json.js';
import { livenessKey, queryEscape, semaphoreKey } from '../src/semaphore/keys.js';
import { decodeSemaphore, encodeSemaphore, INITIAL_SEMAPHORE, type Semaphore } from '../src/semaphore/semaphore.js';
import { holdersAreSorted, lock, releaseStale, setMax, unlock } from '../src/semaphore/transitions.js';

describe('keys', () => {
  it.each([
    ['', 'coreos.com/updateengine/rebootlock/semaphore'],
    ['prod/database', 'coreos.com/updateengine/rebootlock/groups/prod%2Fdatabase/semaphore'],
    ['web', 'coreos.com/updateengine/rebootlock/groups/web/semaphore'],
  ])('semaphoreKey(%j)', (group, key) => {
    expect(semaphoreKey(group)).toBe(key);
  });

  it.each([
    ['a b', 'a+b'],
    ['A-z_0.9~', 'A-z_0.9~'],
    ["!*'()", '%21%2A%27%28%29'],
    ['é', '%C3%A9'],
    ['a+b&c=d', 'a%2Bb%26c%3Dd'],
  ])('queryEscape(%j) = %j as Go url.QueryEscape', (text, escaped) => {
    expect(queryEscape(text)).toBe(escaped);
  });

  it('liveness keys sit beside their semaphore', () => {
    expect(livenessKey('', 'm1')).toBe('coreos.com/updateengine/rebootlock/holders/m1');
    expect(livenessKey('prod/db', 'a b')).toBe('coreos.com/updateengine/rebootlock/groups/prod%2Fdb/holders/a+b');
  });
});

describe('encoding as Go encoding/json', () => {
  it.each<[Semaphore, string]>([
    [INITIAL_SEMAPHORE, '{"semaphore":1,"max":1,"holders":null}'],
    [{ semaphore: 1, max: 1, holders: [] }, '{"semaphore":1,"max":1,"holders":[]}'],
    [{ semaphore: -1, max: 1, holders: ['a', 'b'] }, '{"semaphore":-1,"max":1,"holders":["a","b"]}'],
  ])('encodes %j', (s, text) => {
    expect(encodeSemaphore(s)).toBe(text);
  });

  it.each([
    ['<&>', '"\\u003c\\u0026\\u003e"'],
    ['q"b\\', '"q\\"b\\\\"'],
    ['\n\r\t\b\f\u0001', '"\\n\\r\\t\\u0008\\u000c\\u0001"'],
    ['\u2028\u2029', '"\\u2028\\u2029"'],
    ['é😀', '"é😀"'],
    ['\ud800x', '"\ufffdx"'],
  ])('escapes %j like Go', (text, json) => {
    expect(goJsonString(text)).toBe(json);
  });

  it('round-trips any valid semaphore, and JSON.parse agrees with our encoder', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'grapheme', minLength: 1 }), { maxLength: 5 }), (ids) => {
        let s: Semaphore = { semaphore: 5, max: 5, holders: null };
        for (const id of ids) {
          const r = lock(s, id);
          if (r.ok) s = r.state;
        }
        const text = encodeSemaphore(s);
        expect(decodeSemaphore(text)).toEqual(s);
        expect(JSON.parse(text)).toEqual(s);
      }),
    );
  });

  it.each([
    ['nope', /not JSON/],
    ['[]', /not a JSON object/],
    ['{"semaphore":1.5,"max":1,"holders":null}', /"semaphore" is not a 32-bit integer/],
    ['{"semaphore":1,"max":"1","holders":null}', /"max" is not a 32-bit integer/],
    ['{"semaphore":1,"max":1,"holders":{}}', /"holders" is neither/],
    ['{"semaphore":1,"max":1,"holders":[1]}', /holder 0 is not a string/],
    ['{"semaphore":1,"max":3,"holders":["b","a"]}', /not sorted/],
    ['{"semaphore":1,"max":3,"holders":["a","a"]}', /not sorted/],
  ])('refuses corrupt value %s', (text, message) => {
    expect(() => decodeSemaphore(text)).toThrow(message);
    try {
      decodeSemaphore(text);
    } catch (err) {
      expect(err).toBeInstanceOf(LocksmithError);
      expect((err as LocksmithError).code).toBe('corrupt-semaphore');
    }
  });

  it('reads a missing holders field as null (Go leaves the nil slice)', () => {
    expect(decodeSemaphore('{"semaphore":1,"max":1}')).toEqual(INITIAL_SEMAPHORE);
  });
});

describe('transitions', () => {
  const s = (semaphore: number, max: number, holders: string[] | null): Semaphore => ({ semaphore, max, holders });

  it('lock takes a free slot, keeping holders sorted', () => {
    expect(lock(s(2, 3, ['m']), 'a')).toEqual({ ok: true, changed: true, state: s(1, 3, ['a', 'm']) });
    expect(lock(INITIAL_SEMAPHORE, 'x')).toEqual({ ok: true, changed: true, state: s(0, 1, ['x']) });
  });

  it('lock by a holder succeeds without change, even at 0 (locksmith #58)', () => {
    const held = s(0, 1, ['x']);
    const r = lock(held, 'x');
    expect(r).toEqual({ ok: true, changed: false, state: held });
  });

  it('lock refuses when no slot is free, naming the count', () => {
    expect(lock(s(0, 1, ['x']), 'y')).toEqual({ ok: false, code: 'semaphore-full', message: 'semaphore is at 0' });
    expect(lock(s(-2, 1, ['a', 'b', 'c']), 'y')).toMatchObject({ ok: false, message: 'semaphore is at -2' });
  });

  it('lock refuses empty and oversized ids', () => {
    expect(lock(INITIAL_SEMAPHORE, '')).toMatchObject({ ok: false, code: 'invalid-argument' });
    expect(lock(INITIAL_SEMAPHORE, 'x'.repeat(257))).toMatchObject({ ok: false, code: 'invalid-argument' });
  });

  it('unlock of the last holder leaves [] as Go does', () => {
    const r = unlock(s(0, 1, ['x']), 'x');
    expect(r).toEqual({ ok: true, changed: true, state: s(1, 1, []) });
    expect(r.ok && encodeSemaphore(r.state)).toBe('{"semaphore":1,"max":1,"holders":[]}');
  });

  it('unlock by a non-holder is a clear refusal', () => {
    expect(unlock(s(0, 1, ['x']), 'y')).toEqual({
      ok: false,
      code: 'not-holder',
      message: 'holder does not exist: y holds no slot',
    });
    expect(unlock(INITIAL_SEMAPHORE, 'y')).toMatchObject({ ok: false, code: 'not-holder' });
  });

  it('setMax moves free by the difference and keeps holders (free may go negative)', () => {
    expect(setMax(s(0, 2, ['a', 'b']), 1)).toEqual({ ok: true, changed: true, state: s(-1, 1, ['a', 'b']) });
    expect(setMax(s(0, 2, ['a', 'b']), 5)).toEqual({ ok: true, changed: true, state: s(3, 5, ['a', 'b']) });
    expect(setMax(s(0, 2, ['a', 'b']), 2)).toMatchObject({ ok: true, changed: false });
    expect(setMax(INITIAL_SEMAPHORE, -1)).toMatchObject({ ok: false, code: 'invalid-argument' });
    expect(setMax(INITIAL_SEMAPHORE, 1.5)).toMatchObject({ ok: false, code: 'invalid-argument' });
  });

  it('releaseStale releases listed holders only', () => {
    expect(releaseStale(s(0, 3, ['a', 'b', 'c']), ['c', 'a', 'zz'])).toEqual({
      ok: true,
      changed: true,
      state: s(2, 3, ['b']),
    });
    expect(releaseStale(s(0, 3, ['a', 'b', 'c']), ['zz'])).toMatchObject({ ok: true, changed: false });
  });
});

type Op =
  | { type: 'lock'; id: string }
  | { type: 'unlock'; id: string }
  | { type: 'setMax'; max: number }
  | { type: 'releaseStale'; ids: string[] };

const ids = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'ü', '😀', 'Z');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ type: fc.constant('lock' as const), id: ids }),
  fc.record({ type: fc.constant('unlock' as const), id: ids }),
  fc.record({ type: fc.constant('setMax' as const), max: fc.integer({ min: 0, max: 6 }) }),
  fc.record({ type: fc.constant('releaseStale' as const), ids: fc.array(ids, { maxLength: 3 }) }),
);

function apply(state: Semaphore, o: Op) {
  switch (o.type) {
    case 'lock':
      return lock(state, o.id);
    case 'unlock':
      return unlock(state, o.id);
    case 'setMax':
      return setMax(state, o.max);
    case 'releaseStale':
      return releaseStale(state, o.ids);
  }
}

describe('semaphore properties', () => {
  it('from a valid state, any sequence keeps the invariants', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        let state: Semaphore = { semaphore: max, max, holders: null };
        for (const o of ops) {
          const before = state.holders ?? [];
          const result = apply(state, o);
          if (!result.ok) {
            continue;
          }
          state = result.state;
          const after = state.holders ?? [];
          // free = max - holders, always
          expect(state.semaphore).toBe(state.max - after.length);
          // holders sorted (Go byte order) and unique
          expect(holdersAreSorted(after)).toBe(true);
          // a lock never takes the holder count above max
          if (o.type === 'lock' && after.length > before.length) expect(after.length).toBeLessThanOrEqual(state.max);
          // holders leave only by unlock (that one id) or releaseStale (listed ids)
          for (const h of before) {
            if (after.includes(h)) continue;
            if (o.type === 'unlock') expect(h).toBe(o.id);
            else if (o.type === 'releaseStale') expect(o.ids).toContain(h);
            else expect.unreachable(`${o.type} dropped holder ${h}`);
          }
          // holders arrive only by lock, one at a time
          const arrived = after.filter((h) => !before.includes(h));
          if (o.type === 'lock') expect(arrived.every((h) => h === o.id)).toBe(true);
          else expect(arrived).toEqual([]);
        }
      }),
    );
  });

  it('without set-max below the holder count, holders never exceed max', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.array(op, { maxLength: 60 }), (max, ops) => {
        let state: Semaphore = { semaphore: max, max, holders: null };
        for (const o of ops) {
          if (o.type === 'setMax' && o.max < (state.holders ?? []).length) continue;
          const result = apply(state, o);
          if (result.ok) state = result.state;
          expect((state.holders ?? []).length).toBeLessThanOrEqual(state.max);
        }
      }),
    );
  });

  it('lock is recursive: a second lock by the same id never changes anything', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(ids, { maxLength: 8 }), ids, (max, others, id) => {
        let state: Semaphore = { semaphore: max, max, holders: null };
        for (const o of others) {
          const r = lock(state, o);
          if (r.ok) state = r.state;
        }
        const first = lock(state, id);
        if (!first.ok) return;
        expect(lock(first.state, id)).toEqual({ ok: true, changed: false, state: first.state });
      }),
    );
  });
});
