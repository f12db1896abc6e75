// update-engine's typed config: update.conf (GROUP, SERVER) with flags and UPDATE_ENGINE_* env
// on top (merged in bin/), validated once with messages naming the field.
import type { CheckScheduleConfig } from '../core/check-schedule.js';
import { defaultCheckScheduleConfig, validateCheckScheduleConfig } from '../core/check-schedule.js';

export const FLATCAR_APP_ID = '{e96281a6-d1af-4bde-9a0a-97b76e56dc57}';

export interface UpdateEngineConfig {
  /** Omaha endpoint, e.g. http://host:8080/v1/update/ */
  readonly server: string;
  /** Omaha track (update.conf GROUP). */
  readonly group: string;
  readonly appId: string;
  readonly machineId: string;
  readonly bootId: string;
  /** Disk image or block device holding USR-A and USR-B ('' = file boot control in stateDir). */
  readonly disk: string;
  readonly publicKeyPem: string;
  readonly stateDir: string;
  /** The slot the bootloader booted; '' = the slot named in /proc/cmdline, else A. */
  readonly bootedSlot: '' | 'A' | 'B';
  readonly schedule: CheckScheduleConfig;
  /** First scheduled check after start (update_engine: 7 min). */
  readonly initialCheckDelayMs: number;
  readonly healthCommand: string;
  /** The health check must pass for this long before the booted slot is marked good. */
  readonly healthWindowMs: number;
  readonly healthIntervalMs: number;
  /** Command run to reboot after a failed health check ('' = none: log only). */
  readonly rebootCommand: string;
  readonly requestTimeoutMs: number;
  readonly downloadResumeMax: number;
}

export function defaultUpdateEngineConfig(): UpdateEngineConfig {
  return {
    server: 'http://127.0.0.1:8080/v1/update/',
    group: 'stable',
    appId: FLATCAR_APP_ID,
    machineId: '',
    bootId: '',
    disk: '',
    publicKeyPem: '',
    stateDir: '/var/lib/update-engine',
    bootedSlot: '',
    schedule: defaultCheckScheduleConfig,
    initialCheckDelayMs: 7 * 60_000,
    healthCommand: '',
    healthWindowMs: 45_000,
    healthIntervalMs: 5_000,
    rebootCommand: '',
    requestTimeoutMs: 30_000,
    downloadResumeMax: 5,
  };
}

export function validateUpdateEngineConfig(c: UpdateEngineConfig): string[] {
  const errors: string[] = [];
  if (!/^https?:\/\//.test(c.server)) errors.push(`server (${JSON.stringify(c.server)}) must be an http(s) URL`);
  if (c.group === '') errors.push('group must not be empty');
  if (!/^[0-9a-fA-F-]{8,64}$/.test(c.machineId)) {
    errors.push(
      `machine-id (${JSON.stringify(c.machineId)}) must be 8-64 hex digits (from /etc/machine-id or --machine-id)`,
    );
  }
  if (c.publicKeyPem === '') errors.push('public-key must name an Ed25519 public key (PEM)');
  if (c.stateDir === '') errors.push('state-dir must not be empty');
  errors.push(...validateCheckScheduleConfig(c.schedule));
  if (!(c.healthIntervalMs > 0)) errors.push(`health-interval (${c.healthIntervalMs}ms) must be positive`);
  if (!(c.healthWindowMs >= 0)) errors.push(`health-window (${c.healthWindowMs}ms) must not be negative`);
  if (!(c.requestTimeoutMs >= 100)) errors.push(`request-timeout (${c.requestTimeoutMs}ms) must be at least 100ms`);
  if (!(Number.isInteger(c.downloadResumeMax) && c.downloadResumeMax >= 0 && c.downloadResumeMax <= 100)) {
    errors.push(`download-resume-max (${c.downloadResumeMax}) must be an integer in 0..100`);
  }
  return errors;
}

/**
 * update_engine's key=value files: `#` comments, optional surrounding quotes stripped. Several
 * files are consulted in order; the first that has a key wins.
 */
export function parseUpdateConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    let value = line.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value.at(-1) === value[0])
      value = value.slice(1, -1);
    out.set(key, value);
  }
  return out;
}

export function mergeUpdateConfs(files: readonly Map<string, string>[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of files) for (const [k, v] of f) if (!out.has(k)) out.set(k, v);
  return out;
}

/** Reads the slot named by mount.usr=PARTUUID=... or usr=PARTLABEL=USR-X on a kernel command line. */
export function bootedSlotFromCmdline(cmdline: string, uuids: { A: string; B: string }): 'A' | 'B' | null {
  const m = /(?:^|\s)(?:mount\.)?usr=(\S+)/.exec(cmdline);
  if (m === null) return null;
  const v = (m[1] ?? '').toLowerCase();
  if (v.endsWith('usr-a') || v.includes(uuids.A.toLowerCase())) return 'A';
  if (v.endsWith('usr-b') || v.includes(uuids.B.toLowerCase())) return 'B';
  return null;
}
