import type { History, Operation } from './history.js';
import type { ModelCodec } from './model.js';

/**
 * The history file format: JSON lines, one operation per line, in any order.
 *   {"clientId":1,"call":10,"return":12,"input":{...},"output":{...}}
 * An indeterminate operation has no "return" and no "output" (or both null). Blank lines are
 * skipped; fields other than these five are ignored (a recorder may add its own, e.g. "error").
 * Operation ids are the order of the lines, from 0.
 */
export class HistoryFormatError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'HistoryFormatError';
  }
}

export function parseHistoryJsonl<Input, Output>(
  text: string,
  codec: ModelCodec<Input, Output>,
): Operation<Input, Output>[] {
  const history: Operation<Input, Output>[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line === '') return;
    try {
      history.push(parseOperation(JSON.parse(line), codec));
    } catch (error) {
      throw new HistoryFormatError(index + 1, error instanceof Error ? error.message : String(error));
    }
  });
  return history;
}

function parseOperation<Input, Output>(json: unknown, codec: ModelCodec<Input, Output>): Operation<Input, Output> {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error('an operation must be an object');
  const o = json as Record<string, unknown>;
  if (!Number.isInteger(o.clientId)) throw new Error('clientId must be an integer');
  if (typeof o.call !== 'number') throw new Error('call must be a number');
  const clientId = o.clientId as number;
  const input = codec.decodeInput(o.input);
  if (o.return === undefined || o.return === null) {
    if (o.output !== undefined && o.output !== null) throw new Error('an operation without a return has no output');
    return { clientId, call: o.call, input };
  }
  if (typeof o.return !== 'number') throw new Error('return must be a number or null');
  if (o.output === undefined || o.output === null) throw new Error('an operation that returned must have an output');
  return { clientId, call: o.call, return: o.return, input, output: codec.decodeOutput(o.output, input) };
}

/** One line (no newline) for one operation. */
export function formatOperationJson<Input, Output>(op: Operation<Input, Output>): string {
  if (op.return === undefined) return JSON.stringify({ clientId: op.clientId, call: op.call, input: op.input });
  return JSON.stringify({
    clientId: op.clientId,
    call: op.call,
    return: op.return,
    input: op.input,
    output: op.output,
  });
}

export function formatHistoryJsonl<Input, Output>(history: History<Input, Output>): string {
  return history.map((op) => `${formatOperationJson(op)}\n`).join('');
}
