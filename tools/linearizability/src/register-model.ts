import type { History } from './history.js';
import { type Model, type ModelCodec, type Partition, partitionByKey } from './model.js';

/** A register's value; null is "no value" (the initial value of every key, and a delete). */
export type RegisterValue = string | number | null;

export type RegisterInput =
  | { readonly type: 'read'; readonly key: string }
  | { readonly type: 'write'; readonly key: string; readonly value: RegisterValue }
  | { readonly type: 'cas'; readonly key: string; readonly expected: RegisterValue; readonly value: RegisterValue };

export type RegisterOutput =
  | { readonly type: 'read'; readonly value: RegisterValue }
  | { readonly type: 'write' }
  | { readonly type: 'cas'; readonly ok: boolean };

/** One register per key; keys are independent. */
export type RegisterState = ReadonlyMap<string, RegisterValue>;

function currentValue(state: RegisterState, key: string): RegisterValue {
  return state.get(key) ?? null;
}

function withValue(state: RegisterState, key: string, value: RegisterValue): RegisterState {
  const next = new Map(state);
  if (value === null) next.delete(key);
  else next.set(key, value);
  return next;
}

function mismatch(input: RegisterInput, output: RegisterOutput): never {
  throw new TypeError(`output of type ${output.type} for a ${input.type} operation`);
}

function stepRegister(
  state: RegisterState,
  input: RegisterInput,
  output: RegisterOutput | undefined,
): readonly RegisterState[] {
  if (output !== undefined && output.type !== input.type) mismatch(input, output);
  const current = currentValue(state, input.key);
  switch (input.type) {
    case 'read':
      if (output === undefined) return [state];
      return output.type === 'read' && output.value === current ? [state] : [];
    case 'write':
      return [withValue(state, input.key, input.value)];
    case 'cas': {
      const succeeds = current === input.expected;
      if (output !== undefined && output.type === 'cas' && output.ok !== succeeds) return [];
      return [succeeds ? withValue(state, input.key, input.value) : state];
    }
  }
}

function registerStateKey(state: RegisterState): string {
  // Length-prefixed key, then the value tagged by its type: unambiguous without escaping.
  let text = '';
  const keys = state.size > 1 ? [...state.keys()].sort() : state.keys();
  for (const key of keys) {
    const value = state.get(key)!;
    text += `${key.length}:${key}${typeof value === 'string' ? `s${value.length}:${value}` : `n${value}`}`;
  }
  return text;
}

function show(value: RegisterValue): string {
  return value === null ? 'null' : JSON.stringify(value);
}

function describeRegisterOperation(input: RegisterInput, output: RegisterOutput | undefined): string {
  const outcome = (text: string): string => (output === undefined ? `${text} -> ?` : text);
  switch (input.type) {
    case 'read':
      return output?.type === 'read' ? `read ${input.key} -> ${show(output.value)}` : outcome(`read ${input.key}`);
    case 'write':
      return outcome(`write ${input.key} = ${show(input.value)}`);
    case 'cas': {
      const text = `cas ${input.key} ${show(input.expected)} -> ${show(input.value)}`;
      return output?.type === 'cas' ? `${text}: ${output.ok ? 'ok' : 'failed'}` : outcome(text);
    }
  }
}

function describeRegisterState(state: RegisterState): string {
  if (state.size === 0) return '(all keys empty)';
  return [...state].map(([key, value]) => `${key}=${show(value)}`).join(' ');
}

/** Registers per key with read, write and compare-and-swap; partitioned by key. */
export const registerModel: Model<RegisterState, RegisterInput, RegisterOutput> = {
  name: 'register',
  init: () => new Map(),
  step: stepRegister,
  stateKey: registerStateKey,
  partition: (history: History<RegisterInput, RegisterOutput>): readonly Partition[] =>
    partitionByKey(history, (input) => input.key),
  isReadOnly: (input) => input.type === 'read',
  describeOperation: describeRegisterOperation,
  describeState: describeRegisterState,
};

function record(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${what} must be an object`);
  return json as Record<string, unknown>;
}

function registerValue(json: unknown, field: string): RegisterValue {
  if (json === null || typeof json === 'string' || (typeof json === 'number' && Number.isFinite(json))) return json;
  throw new Error(`${field} must be a string, a number or null`);
}

function decodeRegisterInput(json: unknown): RegisterInput {
  const o = record(json, 'input');
  if (typeof o.key !== 'string') throw new Error('input.key must be a string');
  const key = o.key;
  switch (o.type) {
    case 'read':
      return { type: 'read', key };
    case 'write':
      return { type: 'write', key, value: registerValue(o.value, 'input.value') };
    case 'cas':
      return {
        type: 'cas',
        key,
        expected: registerValue(o.expected, 'input.expected'),
        value: registerValue(o.value, 'input.value'),
      };
    default:
      throw new Error(`input.type must be one of read, write, cas`);
  }
}

function decodeRegisterOutput(json: unknown, input: RegisterInput): RegisterOutput {
  const o = record(json, 'output');
  if (o.type !== input.type) throw new Error(`output.type must be ${JSON.stringify(input.type)}, like the input's`);
  switch (input.type) {
    case 'read':
      return { type: 'read', value: registerValue(o.value, 'output.value') };
    case 'write':
      return { type: 'write' };
    case 'cas':
      if (typeof o.ok !== 'boolean') throw new Error('output.ok must be a boolean');
      return { type: 'cas', ok: o.ok };
  }
}

export const registerCodec: ModelCodec<RegisterInput, RegisterOutput> = {
  decodeInput: decodeRegisterInput,
  decodeOutput: decodeRegisterOutput,
};
