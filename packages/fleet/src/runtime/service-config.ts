/**
 * The parts of a `.service` unit's [Service] section the process runtime honours, validated
 * once into a typed value. Anything else in [Service] is ignored (systemd-only knobs).
 */
import type { UnitFile, UnitOption } from '../unit/unit-file.js';
import { splitWords, WordSplitError } from '../unit/words.js';
import { parseTimeSpanMs, RESTART_POLICIES, type RestartPolicy } from './restart-policy.js';

export interface Command {
  /** argv; argv[0] is the program (absolute path or looked up in PATH). */
  readonly argv: readonly string[];
  /** `-` prefix: a failure of this command is ignored. */
  readonly ignoreFailure: boolean;
}

export interface EnvironmentFileRef {
  readonly path: string;
  /** `-` prefix: a missing file is not an error. */
  readonly optional: boolean;
}

export interface ServiceConfig {
  readonly execStartPre: readonly Command[];
  readonly execStart: Command;
  readonly execStop: readonly Command[];
  /** Environment= assignments in order (later ones win). */
  readonly environment: readonly (readonly [string, string])[];
  readonly environmentFiles: readonly EnvironmentFileRef[];
  readonly workingDirectory?: string;
  readonly restart: RestartPolicy;
  readonly restartSecMs: number;
  readonly timeoutStopMs: number;
}

export class RuntimeConfigError extends Error {
  override readonly name = 'RuntimeConfigError';
  constructor(
    message: string,
    readonly line?: number,
  ) {
    super(line === undefined ? message : `line ${line}: ${message}`);
  }
}

export const DEFAULT_RESTART_SEC_MS = 100;
export const DEFAULT_TIMEOUT_STOP_MS = 90_000;

/** Options of one section with systemd list semantics (an empty value resets). */
export function sectionOptions(file: UnitFile, section: string, name: string): UnitOption[] {
  const out: UnitOption[] = [];
  for (const o of file.options) {
    if (o.section !== section || o.name !== name) continue;
    if (o.value === '') out.length = 0;
    else out.push(o);
  }
  return out;
}

export function lastOption(file: UnitFile, section: string, name: string): UnitOption | undefined {
  return sectionOptions(file, section, name).at(-1);
}

function words(o: UnitOption): string[] {
  try {
    return splitWords(o.value);
  } catch (err) {
    if (err instanceof WordSplitError) throw new RuntimeConfigError(`${o.name}=: ${err.message}`, o.line);
    throw err;
  }
}

function command(o: UnitOption): Command {
  let value = o.value;
  let ignoreFailure = false;
  // systemd prefixes: '-' ignore failure; '@', '+', '!', ':' are accepted and ignored here
  while (/^[-@+!:]/.test(value)) {
    if (value[0] === '-') ignoreFailure = true;
    value = value.slice(1);
  }
  const argv = words({ ...o, value });
  if (argv.length === 0) throw new RuntimeConfigError(`${o.name}= has no command`, o.line);
  return { argv, ignoreFailure };
}

/** `KEY=value` words of Environment= lines. */
export function environmentOf(options: readonly UnitOption[]): [string, string][] {
  const out: [string, string][] = [];
  for (const o of options) {
    for (const word of words(o)) {
      const eq = word.indexOf('=');
      if (eq <= 0) throw new RuntimeConfigError(`invalid environment assignment ${JSON.stringify(word)}`, o.line);
      out.push([word.slice(0, eq), word.slice(eq + 1)]);
    }
  }
  return out;
}

export function timeSpan(o: UnitOption | undefined, fallbackMs: number): number {
  if (!o) return fallbackMs;
  const ms = parseTimeSpanMs(o.value);
  if (ms === undefined) throw new RuntimeConfigError(`invalid time span ${o.name}=${o.value}`, o.line);
  return ms;
}

export function restartOf(file: UnitFile, section: string): RestartPolicy {
  const o = lastOption(file, section, 'Restart');
  if (!o) return 'no';
  if (!(RESTART_POLICIES as readonly string[]).includes(o.value)) {
    throw new RuntimeConfigError(`unsupported Restart=${o.value} (supported: ${RESTART_POLICIES.join(', ')})`, o.line);
  }
  return o.value as RestartPolicy;
}

export function parseServiceConfig(file: UnitFile): ServiceConfig {
  const starts = sectionOptions(file, 'Service', 'ExecStart');
  const start = starts.at(-1);
  if (!start) throw new RuntimeConfigError('[Service] has no ExecStart=');
  if (starts.length > 1)
    throw new RuntimeConfigError('more than one ExecStart= (only Type=oneshot allows that)', start.line);
  const workingDirectory = lastOption(file, 'Service', 'WorkingDirectory')?.value;
  return {
    execStartPre: sectionOptions(file, 'Service', 'ExecStartPre').map(command),
    execStart: command(start),
    execStop: sectionOptions(file, 'Service', 'ExecStop').map(command),
    environment: environmentOf(sectionOptions(file, 'Service', 'Environment')),
    environmentFiles: sectionOptions(file, 'Service', 'EnvironmentFile').map((o) =>
      o.value.startsWith('-') ? { path: o.value.slice(1), optional: true } : { path: o.value, optional: false },
    ),
    ...(workingDirectory === undefined ? {} : { workingDirectory }),
    restart: restartOf(file, 'Service'),
    restartSecMs: timeSpan(lastOption(file, 'Service', 'RestartSec'), DEFAULT_RESTART_SEC_MS),
    timeoutStopMs: timeSpan(lastOption(file, 'Service', 'TimeoutStopSec'), DEFAULT_TIMEOUT_STOP_MS),
  };
}

/** Reads an EnvironmentFile: `KEY=value` lines, `#`/`;` comments, optional surrounding quotes. */
export function parseEnvironmentFile(text: string): [string, string][] {
  const out: [string, string][] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.endsWith(value[0])) {
      value = value.slice(1, -1);
    }
    out.push([line.slice(0, eq).trim(), value]);
  }
  return out;
}
