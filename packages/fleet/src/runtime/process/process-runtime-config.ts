/** Typed configuration of the process runtime, validated once by `ProcessRuntime.open`. */
import { type Logger, silentLogger } from '@coreos-ts/grpc-kit';

export interface ProcessRuntimeConfig {
  readonly stateDir: string;
  readonly logger: Logger;
  /** Per-unit in-memory log: most lines / bytes kept. */
  readonly logLinesMax: number;
  readonly logBytesMax: number;
  /** Per-unit log file size before it is rotated to `<file>.1`. */
  readonly logFileBytesMax: number;
  /** Longest wait between automatic restarts. */
  readonly restartBackoffCapMs: number;
  /** A run at least this long resets the restart back-off. */
  readonly restartResetMs: number;
  /** How often log files are read and adopted processes are checked. */
  readonly pollIntervalMs: number;
  /** How long to wait for a process to vanish after SIGKILL before giving up. */
  readonly killWaitMs: number;
  /** The environment every unit starts from (systemd gives services a clean one too). */
  readonly baseEnvironment: Readonly<Record<string, string>>;
  /** Stopped units whose status and log are kept in memory; the oldest are forgotten first. */
  readonly deadUnitsMax: number;
}

export function defaultProcessRuntimeConfig(stateDir: string): ProcessRuntimeConfig {
  return {
    stateDir,
    logger: silentLogger,
    logLinesMax: 1000,
    logBytesMax: 256 * 1024,
    logFileBytesMax: 8 * 1024 * 1024,
    restartBackoffCapMs: 60_000,
    restartResetMs: 10_000,
    pollIntervalMs: 100,
    killWaitMs: 5000,
    baseEnvironment: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' },
    deadUnitsMax: 100,
  };
}

export function validateProcessRuntimeConfig(c: ProcessRuntimeConfig): void {
  const positive: (keyof ProcessRuntimeConfig)[] = [
    'logLinesMax',
    'logBytesMax',
    'logFileBytesMax',
    'restartBackoffCapMs',
    'pollIntervalMs',
    'killWaitMs',
    'deadUnitsMax',
  ];
  for (const key of positive) {
    const value = c[key];
    if (typeof value !== 'number' || !(value > 0)) throw new Error(`${key} (${String(value)}) must be positive`);
  }
  if (c.logFileBytesMax < c.logBytesMax) {
    throw new Error(`logFileBytesMax (${c.logFileBytesMax}) must be at least logBytesMax (${c.logBytesMax})`);
  }
  if (c.stateDir === '') throw new Error('stateDir must be set');
}
