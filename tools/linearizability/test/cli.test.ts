import { describe, expect, it } from 'vitest';
import {
  EXIT_ILLEGAL,
  EXIT_OK,
  EXIT_UNKNOWN,
  EXIT_USAGE,
  runCheckHistoryCommand,
} from '../src/cli/check-history-command.js';
import { formatHistoryJsonl } from '../src/history-jsonl.js';
import { read, write } from './register-ops.js';

const files: Record<string, string> = {
  'ok.jsonl': formatHistoryJsonl([write(1, 0, 1, 'x', 1), read(2, 2, 3, 'x', 1)]),
  'stale.jsonl': formatHistoryJsonl([write(1, 0, 1, 'x', 1), write(1, 2, 3, 'x', 2), read(2, 4, 5, 'x', 1)]),
  'hard.jsonl': formatHistoryJsonl([
    ...Array.from({ length: 16 }, (_, i) => write(i, 0, 100, 'x', i)),
    read(99, 101, 102, 'x', 'never written'),
  ]),
  'broken.jsonl': '{"clientId":1,"call":0,"input":{"type":"read","key":"x"}}\n{"clientId":1}\n',
  'kv.jsonl': `${JSON.stringify({ clientId: 1, call: 0, return: 1, input: { type: 'put', key: 'a', value: 'v' }, output: { type: 'put', revision: 2 } })}\n`,
};

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const status = await runCheckHistoryCommand(args, {
    readText: async (path) => {
      const text = files[path];
      if (text === undefined)
        throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
      return text;
    },
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env,
  });
  return { status, stdout, stderr };
}

describe('check-linearizability', () => {
  it('exits 0 and says ok for a linearizable history', async () => {
    const { status, stdout } = await run(['ok.jsonl']);
    expect(status).toBe(EXIT_OK);
    expect(stdout).toMatch(/^ok: the history is linearizable/);
  });

  it('exits 1 and explains a non-linearizable history', async () => {
    const { status, stdout } = await run(['stale.jsonl']);
    expect(status).toBe(EXIT_ILLEGAL);
    expect(stdout).toContain('NOT linearizable');
    expect(stdout).toContain('#2 client 2 [4, 5] read x -> 1  : does not fit this state');
  });

  it('prints JSON with --json, states described as text', async () => {
    const { status, stdout } = await run(['--json', 'stale.jsonl']);
    expect(status).toBe(EXIT_ILLEGAL);
    const json = JSON.parse(stdout);
    expect(json.result).toBe('illegal');
    expect(json.partitions[0].explanation.stateAfterPrefix).toBe('x=2');
    expect(json.partitions[0].explanation.blockingOperationId).toBe(2);
  });

  it('exits 2 when the time budget runs out, from the flag or the environment', async () => {
    expect((await run(['--timeout-ms', '0', 'hard.jsonl'])).status).toBe(EXIT_UNKNOWN);
    expect((await run(['hard.jsonl'], { CHECK_LINEARIZABILITY_TIMEOUT_MS: '0' })).status).toBe(EXIT_UNKNOWN);
  });

  it('checks with the kv model', async () => {
    expect((await run(['--model', 'kv', 'kv.jsonl'])).status).toBe(EXIT_OK);
    expect((await run(['--model', 'kv', '--initial-revision', '7', 'kv.jsonl'])).status).toBe(EXIT_ILLEGAL);
    expect((await run(['kv.jsonl'], { CHECK_LINEARIZABILITY_MODEL: 'kv' })).status).toBe(EXIT_OK);
  });

  it('exits 3 on bad usage or a bad history, saying why', async () => {
    const broken = await run(['broken.jsonl']);
    expect(broken.status).toBe(EXIT_USAGE);
    expect(broken.stderr).toContain('bad history: line 2: call must be a number');
    expect((await run(['missing.jsonl'])).stderr).toContain('cannot read the history: ENOENT');
    expect((await run([])).stderr).toContain('expected exactly one history file');
    expect((await run(['--model', 'queue', 'ok.jsonl'])).stderr).toContain('--model must be register or kv');
    expect((await run(['--timeout-ms', 'soon', 'ok.jsonl'])).stderr).toContain('--timeout-ms must be');
    expect((await run(['--frobnicate', 'ok.jsonl'])).status).toBe(EXIT_USAGE);
    expect((await run(['--model', 'kv', '--initial-revision', '0', 'kv.jsonl'])).stderr).toContain(
      'initialRevision (0) must be an integer of at least 1',
    );
  });

  it('prints help', async () => {
    const { status, stdout } = await run(['--help']);
    expect(status).toBe(EXIT_OK);
    expect(stdout).toContain('usage: check-linearizability');
  });
});
