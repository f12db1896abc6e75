/**
 * The seam between the agent and whatever actually runs a unit on this machine. Two
 * implementations: ProcessRuntime (`.service`: supervised processes) and DockerRuntime
 * (`.container`: Docker containers). Both survive their own restart: a new instance adopts
 * what the previous one started instead of restarting it (fleet restarting every unit when
 * fleetd restarts was one of its most reported problems, coreos/fleet#1086).
 */
import type { ActiveState } from '../unit/states.js';
import type { UnitFile } from '../unit/unit-file.js';

export interface RuntimeUnit {
  /** `web@1.service` / `db.container` */
  readonly name: string;
  readonly file: UnitFile;
}

export interface UnitStatus {
  readonly name: string;
  /** systemd's ACTIVE: active, activating (starting or waiting to restart), inactive, failed. */
  readonly active: ActiveState;
  /** systemd-like SUB: running, start-pre, auto-restart, dead, failed, exited. */
  readonly sub: string;
  readonly pid?: number;
  readonly containerId?: string;
  /** Exit code of the last run of the main process, when it has exited. */
  readonly exitCode?: number;
  /** Why the unit is failed (runtime's message), or what the last exit was. */
  readonly message?: string;
  /** Automatic restarts since the unit was started. */
  readonly restarts: number;
}

export interface RunningUnit {
  readonly name: string;
  readonly pid?: number;
  readonly containerId?: string;
}

export interface LogOptions {
  /** How many of the most recent lines to return first. */
  readonly lines: number;
  /** Keep yielding new lines until `signal` aborts. */
  readonly follow?: boolean;
  readonly signal?: AbortSignal;
}

export interface UnitRuntime {
  readonly kind: 'process' | 'docker';
  /** Starts the unit; a unit that is already running is left alone. Failures show in `status`. */
  start(unit: RuntimeUnit): Promise<void>;
  /** Stops the unit (its stop command, then SIGTERM, then SIGKILL after TimeoutStopSec). */
  stop(name: string): Promise<void>;
  status(name: string): Promise<UnitStatus>;
  /** Units this runtime runs on this machine, including adopted ones. */
  list(): Promise<RunningUnit[]>;
  logs(name: string, options: LogOptions): AsyncIterable<string>;
  /** Lets go of supervision without stopping anything; a new instance can adopt the units. */
  close(): Promise<void>;
}

export function inactiveStatus(name: string, restarts = 0): UnitStatus {
  return { name, active: 'inactive', sub: 'dead', restarts };
}
