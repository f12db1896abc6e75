import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

const DIST_BIN = resolve(import.meta.dirname, '../dist/bin');

/** The built binary's path; fails clearly when the package has not been built. */
export function builtBin(name: 'locksmithctl' | 'locksmithd'): string {
  const path = `${DIST_BIN}/${name}.js`;
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: build with \`npx tsc -b packages/locksmith\` at the repository root`);
  }
  return path;
}

export interface RunResult {
  code: number;
  out: string;
  err: string;
}

/** Runs locksmithctl to completion with only the given environment (plus PATH). */
export function locksmithctl(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [builtBin('locksmithctl'), ...args],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, out: stdout, err: stderr });
      },
    );
  });
}

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

/** A running locksmithd whose JSON log lines (stderr) can be awaited. */
export class DaemonProcess {
  readonly child: ChildProcess;
  readonly lines: LogLine[] = [];
  private raw = '';
  private waiters: (() => void)[] = [];
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [builtBin('locksmithd'), ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((done) => this.child.once('exit', (code) => done(code)));
    let pending = '';
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString();
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) {
        try {
          this.lines.push(JSON.parse(part) as LogLine);
        } catch {
          this.lines.push({ msg: part });
        }
      }
      const waiters = this.waiters;
      this.waiters = [];
      for (const wake of waiters) wake();
    });
    this.child.stdout?.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString();
    });
    this.child.once('exit', () => {
      for (const wake of this.waiters) wake();
    });
  }

  /** Everything the process wrote, for failure messages. */
  output(): string {
    return this.raw;
  }

  /** The first log line at or after `from` with this message (and matching `where`). */
  async log(msg: string, where: (line: LogLine) => boolean = () => true, from = 0): Promise<LogLine> {
    for (;;) {
      const found = this.lines.slice(from).find((l) => l.msg === msg && where(l));
      if (found) return found;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`locksmithd exited before logging "${msg}":\n${this.output()}`);
      }
      await new Promise<void>((wake) => this.waiters.push(wake));
    }
  }

  count(msg: string): number {
    return this.lines.filter((l) => l.msg === msg).length;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
