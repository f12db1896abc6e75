/** Spawning unit processes: detached, in their own process group, output appended to a file. */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

export interface SpawnOptions {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here (a file, not a pipe: the process must outlive us). */
  readonly logPath: string;
}

/** Starts `argv` in a new session/process group (pgid = pid) writing to `logPath`. */
export function spawnDetached(argv: readonly string[], options: SpawnOptions): ChildProcess {
  const out = openSync(options.logPath, 'a');
  try {
    return spawn(argv[0] as string, argv.slice(1), {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ['ignore', out, out],
    });
  } finally {
    closeSync(out);
  }
}

/**
 * Runs a helper command (ExecStartPre=, ExecStop=) to its end, killing its group after
 * `timeoutMs`. Resolves undefined on success, else why not.
 */
export function runToCompletion(
  argv: readonly string[],
  options: SpawnOptions & { readonly timeoutMs: number },
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawnDetached(argv, options);
    const timer = setTimeout(() => killGroup(child.pid, 'SIGKILL'), options.timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve(`${argv[0]} failed: ${err.message}`);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(undefined);
      else resolve(signal ? `${argv[0]} killed by signal ${signal}` : `${argv[0]} exited with code ${code}`);
    });
  });
}

/** Signals a whole process group; a group that is already gone is fine. */
export function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Whether `promise` settles within `ms`. */
export async function within(promise: Promise<void> | undefined, ms: number): Promise<boolean> {
  if (!promise) return true;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
