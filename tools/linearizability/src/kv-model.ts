import type { Model, ModelCodec } from './model.js';

/**
 * An etcd-flavoured key-value store: one global revision, bumped by every change; each key
 * remembers the revision that last changed it (modRevision). Every answer carries the store's
 * revision after the operation (etcd's response header). Because the revision is global, keys are
 * not independent and the history is checked whole; every change to the store must be in it.
 */
export type KvInput =
  | { readonly type: 'get'; readonly key: string }
  | { readonly type: 'put'; readonly key: string; readonly value: string }
  | { readonly type: 'delete'; readonly key: string }
  | {
      readonly type: 'cas';
      readonly key: string;
      /** Compare the current value (null: absent) or modRevision (0: absent), then put. */
      readonly compare: 'value' | 'modRevision';
      readonly expected: string | number | null;
      readonly value: string;
    };

export type KvOutput =
  | { readonly type: 'get'; readonly value: string | null; readonly modRevision: number; readonly revision: number }
  | { readonly type: 'put'; readonly revision: number }
  | { readonly type: 'delete'; readonly deleted: number; readonly revision: number }
  | { readonly type: 'cas'; readonly succeeded: boolean; readonly revision: number };

export interface KvEntry {
  readonly value: string;
  readonly modRevision: number;
}

export interface KvState {
  readonly revision: number;
  readonly keys: ReadonlyMap<string, KvEntry>;
}

export interface KvModelOptions {
  /** The store's revision when the history starts (etcd starts at 1). */
  readonly initialRevision?: number;
}

function apply(state: KvState, input: KvInput): { state: KvState; output: KvOutput } {
  const current = state.keys.get(input.key);
  const put = (value: string): KvState => {
    const revision = state.revision + 1;
    return { revision, keys: new Map(state.keys).set(input.key, { value, modRevision: revision }) };
  };
  switch (input.type) {
    case 'get':
      return {
        state,
        output: {
          type: 'get',
          value: current?.value ?? null,
          modRevision: current?.modRevision ?? 0,
          revision: state.revision,
        },
      };
    case 'put': {
      const next = put(input.value);
      return { state: next, output: { type: 'put', revision: next.revision } };
    }
    case 'delete': {
      if (current === undefined) return { state, output: { type: 'delete', deleted: 0, revision: state.revision } };
      const keys = new Map(state.keys);
      keys.delete(input.key);
      const next = { revision: state.revision + 1, keys };
      return { state: next, output: { type: 'delete', deleted: 1, revision: next.revision } };
    }
    case 'cas': {
      const actual = input.compare === 'value' ? (current?.value ?? null) : (current?.modRevision ?? 0);
      if (actual !== input.expected)
        return { state, output: { type: 'cas', succeeded: false, revision: state.revision } };
      const next = put(input.value);
      return { state: next, output: { type: 'cas', succeeded: true, revision: next.revision } };
    }
  }
}

function sameOutput(a: KvOutput, b: KvOutput): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const fields = Object.keys(left);
  return fields.length === Object.keys(right).length && fields.every((field) => left[field] === right[field]);
}

function kvStateKey(state: KvState): string {
  const entries = [...state.keys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([state.revision, entries.map(([key, entry]) => [key, entry.value, entry.modRevision])]);
}

function describeKvOperation(input: KvInput, output: KvOutput | undefined): string {
  const request =
    input.type === 'put'
      ? `put ${input.key} = ${JSON.stringify(input.value)}`
      : input.type === 'cas'
        ? `cas ${input.key} if ${input.compare} == ${JSON.stringify(input.expected)} put ${JSON.stringify(input.value)}`
        : `${input.type} ${input.key}`;
  if (output === undefined) return `${request} -> ?`;
  const { type: _type, ...fields } = output;
  return `${request} -> ${JSON.stringify(fields)}`;
}

function describeKvState(state: KvState): string {
  const keys = [...state.keys].map(([key, entry]) => `${key}=${JSON.stringify(entry.value)}@${entry.modRevision}`);
  return `rev ${state.revision}${keys.length ? ` ${keys.join(' ')}` : ''}`;
}

export function createKvModel(options: KvModelOptions = {}): Model<KvState, KvInput, KvOutput> {
  const initialRevision = options.initialRevision ?? 1;
  if (!Number.isInteger(initialRevision) || initialRevision < 1) {
    throw new RangeError(`initialRevision (${initialRevision}) must be an integer of at least 1`);
  }
  return {
    name: 'kv',
    init: () => ({ revision: initialRevision, keys: new Map() }),
    step(state, input, output) {
      const result = apply(state, input);
      return output === undefined || sameOutput(result.output, output) ? [result.state] : [];
    },
    stateKey: kvStateKey,
    isReadOnly: (input) => input.type === 'get',
    describeOperation: describeKvOperation,
    describeState: describeKvState,
  };
}

function record(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error(`${what} must be an object`);
  return json as Record<string, unknown>;
}

function field<T>(o: Record<string, unknown>, name: string, what: string, ok: (v: unknown) => v is T): T {
  const value = o[name];
  if (!ok(value)) throw new Error(`${name} must be ${what}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isRevision = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';

function decodeKvInput(json: unknown): KvInput {
  const o = record(json, 'input');
  const key = field(o, 'key', 'a string', isString);
  switch (o.type) {
    case 'get':
    case 'delete':
      return { type: o.type, key };
    case 'put':
      return { type: 'put', key, value: field(o, 'value', 'a string', isString) };
    case 'cas': {
      const compare = field(o, 'compare', '"value" or "modRevision"', (v): v is 'value' | 'modRevision' =>
        ['value', 'modRevision'].includes(v as string),
      );
      const expected =
        compare === 'value'
          ? field(o, 'expected', 'a string or null', (v): v is string | null => v === null || isString(v))
          : field(o, 'expected', 'a revision', isRevision);
      return { type: 'cas', key, compare, expected, value: field(o, 'value', 'a string', isString) };
    }
    default:
      throw new Error('input.type must be one of get, put, delete, cas');
  }
}

function decodeKvOutput(json: unknown, input: KvInput): KvOutput {
  const o = record(json, 'output');
  if (o.type !== input.type) throw new Error(`output.type must be ${JSON.stringify(input.type)}, like the input's`);
  const revision = field(o, 'revision', 'a revision', isRevision);
  switch (input.type) {
    case 'get': {
      const value = field(o, 'value', 'a string or null', (v): v is string | null => v === null || isString(v));
      return { type: 'get', value, modRevision: field(o, 'modRevision', 'a revision', isRevision), revision };
    }
    case 'put':
      return { type: 'put', revision };
    case 'delete':
      return { type: 'delete', deleted: field(o, 'deleted', '0 or 1', isRevision), revision };
    case 'cas':
      return { type: 'cas', succeeded: field(o, 'succeeded', 'a boolean', isBoolean), revision };
  }
}

export const kvCodec: ModelCodec<KvInput, KvOutput> = { decodeInput: decodeKvInput, decodeOutput: decodeKvOutput };
