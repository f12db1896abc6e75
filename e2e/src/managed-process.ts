// One supervised process of a machine (kvd, update-engine, ...): started with its output appended
// to a log file, stopped gracefully or killed, paused and resumed with SIGSTOP/SIGCONT. Its pid is
// recorded in a pid file while it runs, so `cluster down` can find it even when the harness died.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

export type ProcessState = 'stopped' | 'running' | 'paused' | 'exited';

export interface ProcessSpec {
  readonly name: string;
  /** A Node script (run with this Node) or an executable. */
  readonly script: string;
  readonly args: readonly string[];
  readonly logPath: string;
  readonly pidPath: string;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Run it in this network namespace: `ip netns exec NS command...`, which execs the command, so
   * the pid recorded and signalled is the component's own.
   */
  readonly netns?: string;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exitedPromise: Promise<ExitInfo> = Promise.resolve({ code: null, signal: null });
  private paused = false;
  private everStarted = false;
  lastExit: ExitInfo | undefined;

  constructor(readonly spec: ProcessSpec) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get state(): ProcessState {
    if (this.child !== undefined) return this.paused ? 'paused' : 'running';
    return this.everStarted ? 'exited' : 'stopped';
  }

  /** Resolves when the current process has exited (at once when none runs). */
  exited(): Promise<ExitInfo> {
    return this.exitedPromise;
  }

  start(): void {
    if (this.child !== undefined) throw new Error(`${this.spec.name} is already running`);
    const logFd = openSync(this.spec.logPath, 'a');
    const env = { ...cleanEnv(), ...this.spec.env };
    const node = this.spec.script.endsWith('.js');
    const file = node ? process.execPath : this.spec.script;
    const args = node ? [this.spec.script, ...this.spec.args] : [...this.spec.args];
    const [command, commandArgs]: [string, string[]] =
      this.spec.netns === undefined ? [file, args] : ['ip', ['netns', 'exec', this.spec.netns, file, ...args]];
    const child = spawn(command, commandArgs, { stdio: ['ignore', logFd, logFd], env });
    closeSync(logFd);
    this.child = child;
    this.paused = false;
    this.everStarted = true;
    this.lastExit = undefined;
    if (child.pid !== undefined) writeFileSync(this.spec.pidPath, `${child.pid}\n`);
    this.exitedPromise = new Promise((resolve) => {
      const done = (info: ExitInfo) => {
        if (this.child !== child) return;
        this.child = undefined;
        this.paused = false;
        this.lastExit = info;
        rmSync(this.spec.pidPath, { force: true });
        resolve(info);
      };
      child.once('exit', (code, signal) => done({ code, signal }));
      child.once('error', () => done({ code: null, signal: null }));
    });
  }

  /** Sends a signal; SIGKILL/SIGTERM/SIGINT resolve once the process has exited. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(signal);
    if (signal === 'SIGSTOP') this.paused = true;
    if (signal === 'SIGCONT') this.paused = false;
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await this.exitedPromise;
  }

  /** SIGTERM, then SIGKILL when it has not exited after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    if (this.paused) child.kill('SIGCONT');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.exitedPromise;
    clearTimeout(timer);
  }

  /** The end of its log (for error messages: a test cluster's directory does not outlive it). */
  logTail(bytes = 1_500): string {
    try {
      const text = readFileSync(this.spec.logPath, 'utf8');
      return text.slice(-bytes);
    } catch {
      return '';
    }
  }

  /** Synchronous last resort (process exit hooks): SIGKILL without waiting. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }
}

/** The harness's environment minus what would reconfigure a component behind its flags. */
function cleanEnv(): Record<string, string> {
  const prefixes = ['ETCD', 'UPDATE_ENGINE', 'UPDATE_SERVER', 'LOCKSMITHD', 'FLEET'];
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !prefixes.some((p) => key.startsWith(p))) env[key] = value;
  }
  return env;
}
