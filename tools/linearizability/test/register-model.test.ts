import { describe, expect, it } from 'vitest';
import { type RegisterInput, type RegisterOutput, registerCodec, registerModel } from '../src/register-model.js';

const x1 = new Map([['x', 1]]);

function stepKeys(state: ReadonlyMap<string, string | number>, input: RegisterInput, output?: RegisterOutput) {
  return registerModel.step(state, input, output).map((s) => registerModel.stateKey(s));
}

describe('registerModel.step', () => {
  it('read fits only the current value; an unseen read fits anything', () => {
    expect(stepKeys(x1, { type: 'read', key: 'x' }, { type: 'read', value: 1 })).toEqual([registerModel.stateKey(x1)]);
    expect(stepKeys(x1, { type: 'read', key: 'x' }, { type: 'read', value: '1' })).toEqual([]);
    expect(stepKeys(x1, { type: 'read', key: 'y' }, { type: 'read', value: null })).toHaveLength(1);
    expect(stepKeys(x1, { type: 'read', key: 'x' })).toHaveLength(1);
  });

  it('write sets the key; writing null removes it', () => {
    const [after] = registerModel.step(x1, { type: 'write', key: 'x', value: 'a' }, { type: 'write' });
    expect(after).toEqual(new Map([['x', 'a']]));
    const [removed] = registerModel.step(x1, { type: 'write', key: 'x', value: null }, { type: 'write' });
    expect(removed).toEqual(new Map());
    expect(x1).toEqual(new Map([['x', 1]]));
  });

  it('cas succeeds exactly when the value matches, whatever the client saw', () => {
    const swap: RegisterInput = { type: 'cas', key: 'x', expected: 1, value: 2 };
    expect(registerModel.step(x1, swap, { type: 'cas', ok: true })).toEqual([new Map([['x', 2]])]);
    expect(registerModel.step(x1, swap, { type: 'cas', ok: false })).toEqual([]);
    expect(registerModel.step(x1, swap, undefined)).toEqual([new Map([['x', 2]])]);
    const miss: RegisterInput = { type: 'cas', key: 'x', expected: 5, value: 2 };
    expect(registerModel.step(x1, miss, { type: 'cas', ok: false })).toEqual([x1]);
    expect(registerModel.step(x1, miss, { type: 'cas', ok: true })).toEqual([]);
    const create: RegisterInput = { type: 'cas', key: 'y', expected: null, value: 'n' };
    expect(registerModel.step(x1, create, { type: 'cas', ok: true })).toEqual([
      new Map<string, string | number>([
        ['x', 1],
        ['y', 'n'],
      ]),
    ]);
  });

  it('throws on an output of the wrong kind (a broken history, not a verdict)', () => {
    expect(() => registerModel.step(x1, { type: 'read', key: 'x' }, { type: 'write' })).toThrow(TypeError);
  });
});

describe('registerModel.stateKey', () => {
  it('is equal for equal states whatever the insertion order, and tells strings from numbers', () => {
    const a = new Map<string, string | number>([
      ['x', 1],
      ['y', 'b'],
    ]);
    const b = new Map<string, string | number>([
      ['y', 'b'],
      ['x', 1],
    ]);
    expect(registerModel.stateKey(a)).toBe(registerModel.stateKey(b));
    expect(registerModel.stateKey(new Map([['x', 1]]))).not.toBe(registerModel.stateKey(new Map([['x', '1']])));
    // Length prefixes keep keys and values from running into each other.
    expect(registerModel.stateKey(new Map([['a', 'bc']]))).not.toBe(registerModel.stateKey(new Map([['ab', 'c']])));
    expect(registerModel.stateKey(new Map())).toBe('');
  });
});

describe('registerCodec', () => {
  it('decodes inputs and outputs, and names what is wrong', () => {
    expect(registerCodec.decodeInput({ type: 'cas', key: 'k', expected: null, value: 3 })).toEqual({
      type: 'cas',
      key: 'k',
      expected: null,
      value: 3,
    });
    expect(
      registerCodec.decodeOutput({ type: 'cas', ok: true }, { type: 'cas', key: 'k', expected: 1, value: 2 }),
    ).toEqual({ type: 'cas', ok: true });
    expect(() => registerCodec.decodeInput({ type: 'inc', key: 'k' })).toThrow(/input.type/);
    expect(() => registerCodec.decodeInput({ type: 'read' })).toThrow(/input.key/);
    expect(() => registerCodec.decodeInput({ type: 'write', key: 'k', value: {} })).toThrow(/input.value/);
    expect(() => registerCodec.decodeOutput({ type: 'write' }, { type: 'read', key: 'k' })).toThrow(/output.type/);
    expect(() => registerCodec.decodeOutput({ type: 'cas' }, { type: 'cas', key: 'k', expected: 1, value: 2 })).toThrow(
      /output.ok/,
    );
  });
});
