import type { Operation } from '../src/history.js';
import type { RegisterInput, RegisterOutput, RegisterValue } from '../src/register-model.js';

/** Shorthands for hand-made register histories: (client, call, return, key, ...). */
export type RegisterOperation = Operation<RegisterInput, RegisterOutput>;

export function write(
  clientId: number,
  call: number,
  ret: number,
  key: string,
  value: RegisterValue,
): RegisterOperation {
  return { clientId, call, return: ret, input: { type: 'write', key, value }, output: { type: 'write' } };
}

export function read(
  clientId: number,
  call: number,
  ret: number,
  key: string,
  value: RegisterValue,
): RegisterOperation {
  return { clientId, call, return: ret, input: { type: 'read', key }, output: { type: 'read', value } };
}

export function cas(
  clientId: number,
  call: number,
  ret: number,
  key: string,
  expected: RegisterValue,
  value: RegisterValue,
  ok: boolean,
): RegisterOperation {
  return { clientId, call, return: ret, input: { type: 'cas', key, expected, value }, output: { type: 'cas', ok } };
}

/** An operation whose outcome the client never learned. */
export function lost(clientId: number, call: number, input: RegisterInput): RegisterOperation {
  return { clientId, call, input };
}

/** The same completed read, answering `value` instead. */
export function withReadValue(op: RegisterOperation, value: RegisterValue): RegisterOperation {
  if (op.return === undefined || op.input.type !== 'read') throw new Error('not a completed read');
  return { clientId: op.clientId, call: op.call, return: op.return, input: op.input, output: { type: 'read', value } };
}
