import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { runKvctl } from '../src/bin/kvctl-program.js';

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** Runs kvctl in-process with captured output. */
export async function kvctl(
  args: string[],
  options: { stdin?: string; interrupt?: AbortSignal; env?: NodeJS.ProcessEnv } = {},
): Promise<RunResult> {
  let out = '';
  let err = '';
  const code = await runKvctl(args, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    readStdin: async () => options.stdin ?? '',
    env: options.env ?? {},
    interrupt: options.interrupt ?? new AbortController().signal,
  });
  return { code, out, err };
}

/** Runs the real etcdctl (v3 API) to completion. */
export function etcdctl(args: string[], options: { stdin?: string } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'etcdctl',
      args,
      { env: { PATH: process.env.PATH ?? '', ETCDCTL_API: '3' }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, out: stdout, err: stderr });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}

/** A long-running etcdctl whose output can be awaited for a given text. */
export function etcdctlProcess(args: string[]): {
  child: ChildProcess;
  output: () => string;
  contains: (text: string) => Promise<void>;
} {
  const child = spawn('etcdctl', args, {
    env: { PATH: process.env.PATH ?? '', ETCDCTL_API: '3' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: (() => void)[] = [];
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    output: () => out,
    contains: (text) =>
      new Promise<void>((resolve) => {
        const check = () => (out.includes(text) ? resolve() : waiters.push(check));
        check();
      }),
  };
}
