// The pids a cluster's processes recorded under its directory: what `cluster down` falls back to
// when the harness itself is gone, and what tests check after a run.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface RecordedPid {
  readonly pid: number;
  readonly file: string;
}

export function recordedPids(dir: string): RecordedPid[] {
  const files = [join(dir, 'update-server', 'update-server.pid')];
  const machinesDir = join(dir, 'machines');
  if (existsSync(machinesDir)) {
    for (const machine of readdirSync(machinesDir)) {
      const runDir = join(machinesDir, machine, 'run');
      if (!existsSync(runDir)) continue;
      for (const f of readdirSync(runDir)) if (f.endsWith('.pid')) files.push(join(runDir, f));
    }
  }
  const pids: RecordedPid[] = [];
  for (const file of files) {
    try {
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (Number.isSafeInteger(pid) && pid > 0) pids.push({ pid, file });
    } catch {
      // no such pid file: that process is not running
    }
  }
  return pids;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when the process's command line names `dir` (guards against a recycled pid). */
export function commandLineMentions(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

/** SIGKILLs every recorded process of the cluster at `dir` that still runs; returns their pids. */
export function killRecorded(dir: string): number[] {
  const killed: number[] = [];
  for (const { pid } of recordedPids(dir)) {
    if (pid !== process.pid && isAlive(pid) && commandLineMentions(pid, dir)) {
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
  }
  return killed;
}
