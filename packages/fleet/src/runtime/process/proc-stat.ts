import { readFile } from 'node:fs/promises';

export interface ProcStat {
  /** R, S, D, Z (zombie), T... */
  readonly state: string;
  /** Field 22 of /proc/<pid>/stat: clock ticks after boot; with the pid, identifies one process. */
  readonly startTime: string;
  readonly pgrp: number;
}

/** Parses the text of /proc/<pid>/stat (the command name may hold spaces and parentheses). */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close === -1) return undefined;
  // fields after the command name start with field 3 (state)
  const fields = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const state = fields[0];
  const pgrp = Number(fields[2]);
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !Number.isInteger(pgrp)) return undefined;
  return { state, startTime, pgrp };
}

/** The process's stat, or undefined when no such process exists. */
export async function readProcStat(pid: number): Promise<ProcStat | undefined> {
  try {
    return parseProcStat(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and still the very process that was recorded (pid not reused). */
export async function isSameProcess(pid: number, startTime: string): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && stat.state !== 'Z' && stat.state !== 'X' && stat.startTime === startTime;
}
