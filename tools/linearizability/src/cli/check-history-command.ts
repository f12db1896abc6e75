import { parseArgs } from 'node:util';
import { type CheckResult, checkHistory } from '../check-history.js';
import { formatCheckResult } from '../format-result.js';
import { InvalidHistoryError } from '../history.js';
import { HistoryFormatError, parseHistoryJsonl } from '../history-jsonl.js';
import { createKvModel, kvCodec } from '../kv-model.js';
import { describeStateOf, type Model, type ModelCodec } from '../model.js';
import { registerCodec, registerModel } from '../register-model.js';

export const EXIT_OK = 0;
export const EXIT_ILLEGAL = 1;
export const EXIT_UNKNOWN = 2;
export const EXIT_USAGE = 3;

export interface CommandIo {
  /** Reads a file, or standard input for "-". */
  readonly readText: (path: string) => Promise<string>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const USAGE = `usage: check-linearizability [options] <history.jsonl | ->

Checks a JSON-lines history (one operation per line) for linearizability.

options:
  --model <name>            register (read/write/cas per key, default) or kv (etcd-flavoured, with revisions)
                            [env CHECK_LINEARIZABILITY_MODEL]
  --timeout-ms <n>          give up (verdict unknown) after n ms (default 60000) [env CHECK_LINEARIZABILITY_TIMEOUT_MS]
  --initial-revision <n>    kv model: the store's revision when the history starts (default 1)
  --no-partition            check the history whole instead of key by key
  --json                    print the result as JSON
  -h, --help                print this help

exit status: 0 linearizable, 1 not linearizable, 2 unknown (gave up), 3 bad usage or bad history`;

class UsageError extends Error {}

function nonNegativeNumber(text: string, flag: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${flag} must be a non-negative number, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** Runs the command; resolves to the exit status. */
export async function runCheckHistoryCommand(args: readonly string[], io: CommandIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args: [...args],
      allowPositionals: true,
      options: {
        model: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'initial-revision': { type: 'string' },
        'no-partition': { type: 'boolean' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(`${USAGE}\n`);
      return EXIT_OK;
    }
    if (positionals.length !== 1) throw new UsageError('expected exactly one history file (or - for stdin)');
    const timeoutMs = nonNegativeNumber(
      values['timeout-ms'] ?? io.env.CHECK_LINEARIZABILITY_TIMEOUT_MS ?? '60000',
      '--timeout-ms',
    );
    const modelName = values.model ?? io.env.CHECK_LINEARIZABILITY_MODEL ?? 'register';
    const initialRevision = nonNegativeNumber(values['initial-revision'] ?? '1', '--initial-revision');
    const text = await io.readText(positionals[0]!);
    const options = { timeoutMs, partition: !values['no-partition'] };
    const json = values.json === true;
    switch (modelName) {
      case 'register':
        return report(registerModel, registerCodec, text, options, json, io);
      case 'kv':
        return report(createKvModel({ initialRevision }), kvCodec, text, options, json, io);
      default:
        throw new UsageError(`--model must be register or kv, not ${JSON.stringify(modelName)}`);
    }
  } catch (error) {
    const code = errorCode(error);
    // RangeError: an option value the checker or a model refused (e.g. --initial-revision 0).
    if (error instanceof UsageError || error instanceof RangeError || code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`check-linearizability: ${(error as Error).message}\n\n${USAGE}\n`);
      return EXIT_USAGE;
    }
    if (error instanceof HistoryFormatError || error instanceof InvalidHistoryError) {
      io.stderr(`check-linearizability: bad history: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (code !== undefined && /^E[A-Z]+$/.test(code)) {
      io.stderr(`check-linearizability: cannot read the history: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

/** Node's error code: ERR_PARSE_ARGS_* from parseArgs, ENOENT and friends from the file system. */
function errorCode(error: unknown): string | undefined {
  if (!(error instanceof Error) || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

function report<State, Input, Output>(
  model: Model<State, Input, Output>,
  codec: ModelCodec<Input, Output>,
  text: string,
  options: { timeoutMs: number; partition: boolean },
  json: boolean,
  io: CommandIo,
): number {
  const history = parseHistoryJsonl(text, codec);
  const result = checkHistory(model, history, options);
  io.stdout(`${json ? JSON.stringify(toJson(model, result)) : formatCheckResult(model, history, result)}\n`);
  return result.result === 'ok' ? EXIT_OK : result.result === 'illegal' ? EXIT_ILLEGAL : EXIT_UNKNOWN;
}

/** The result with states described as strings (states may be Maps, which JSON drops). */
function toJson<State, Input, Output>(model: Model<State, Input, Output>, result: CheckResult<State>): unknown {
  return {
    ...result,
    partitions: result.partitions.map((partition) => {
      const explanation = partition.explanation;
      if (!explanation) return partition;
      return {
        ...partition,
        explanation: {
          ...explanation,
          longestPrefix: explanation.longestPrefix.map((step) => ({
            operationId: step.operationId,
            stateAfter: describeStateOf(model, step.stateAfter),
          })),
          stateAfterPrefix: describeStateOf(model, explanation.stateAfterPrefix),
        },
      };
    }),
  };
}
