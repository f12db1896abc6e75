/**
 * Runs `.service` units as supervised processes. Each main process is spawned detached in its
 * own process group with stdout/stderr going straight to `<stateDir>/logs/<unit>.log`, so it
 * outlives this runtime; its pid and /proc start time are recorded in `<stateDir>/units/`, and
 * `ProcessRuntime.open` on the same state dir adopts every recorded process still alive.
 */
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@coreos-ts/grpc-kit';
import { parseUnitName } from '../../unit/unit-name.js';
import { ringLogStream } from '../log-stream.js';
import { type ExitInfo, restartDelayMs, shouldRestart } from '../restart-policy.js';
import { RingLog } from '../ring-log.js';
import {
  type Command,
  parseEnvironmentFile,
  parseServiceConfig,
  RuntimeConfigError,
  type ServiceConfig,
} from '../service-config.js';
import {
  inactiveStatus,
  type LogOptions,
  type RunningUnit,
  type RuntimeUnit,
  type UnitRuntime,
  type UnitStatus,
} from '../unit-runtime.js';
import { LogTail } from './log-tail.js';
import { isSameProcess, readProcStat } from './proc-stat.js';
import { type ProcessRuntimeConfig, validateProcessRuntimeConfig } from './process-runtime-config.js';
import { killGroup, runToCompletion, spawnDetached, within } from './spawn.js';
import { type UnitRecord, UnitRecords } from './unit-records.js';

type Phase = 'start-pre' | 'running' | 'auto-restart' | 'stopping' | 'dead' | 'failed';

interface Entry {
  readonly name: string;
  config: ServiceConfig;
  readonly log: RingLog;
  readonly tail: LogTail;
  phase: Phase;
  pid?: number;
  startTime?: string;
  startedAtMs: number;
  exitCode?: number;
  message?: string;
  restarts: number;
  /** consecutive quick failures, for the back-off */
  attempt: number;
  restartTimer?: NodeJS.Timeout;
  watchTimer?: NodeJS.Timeout;
  /** resolved when the current main process has exited */
  exited?: Promise<void>;
  markExited?: () => void;
}

export class ProcessRuntime implements UnitRuntime {
  readonly kind = 'process';
  private readonly entries = new Map<string, Entry>();
  private readonly records: UnitRecords;
  private readonly log: Logger;
  private closed = false;

  private constructor(private readonly config: ProcessRuntimeConfig) {
    this.records = new UnitRecords(config.stateDir);
    this.log = config.logger.child({ runtime: 'process' });
  }

  /** Opens the runtime on its state dir and adopts the processes a previous instance left running. */
  static async open(config: ProcessRuntimeConfig): Promise<ProcessRuntime> {
    validateProcessRuntimeConfig(config);
    const runtime = new ProcessRuntime(config);
    await runtime.records.init();
    await mkdir(runtime.logDir, { recursive: true });
    await runtime.adoptAll();
    return runtime;
  }

  private get logDir(): string {
    return join(this.config.stateDir, 'logs');
  }

  private async adoptAll(): Promise<void> {
    const { records, broken } = await this.records.readAll();
    for (const file of broken) this.log.warn({ file }, 'unreadable unit record ignored');
    for (const record of records) {
      const entry = await this.entryFor(record.name, record.config, true);
      entry.restarts = record.restarts;
      entry.startedAtMs = record.startedAtMs;
      if (await isSameProcess(record.pid, record.startTime)) {
        entry.phase = 'running';
        entry.pid = record.pid;
        entry.startTime = record.startTime;
        this.armExit(entry);
        entry.tail.start(this.config.pollIntervalMs);
        this.watchAdopted(entry, record.pid, record.startTime);
        this.log.info({ unit: record.name, pid: record.pid }, 'adopted running unit');
      } else {
        entry.phase = 'failed';
        entry.message = 'process exited while no runtime supervised it';
        await this.records.remove(record.name);
        this.log.warn({ unit: record.name, pid: record.pid }, 'recorded unit process is gone');
      }
    }
  }

  private async entryFor(name: string, config: ServiceConfig, adopting: boolean): Promise<Entry> {
    const existing = this.entries.get(name);
    if (existing) {
      existing.config = config;
      return existing;
    }
    const log = new RingLog({ linesMax: this.config.logLinesMax, bytesMax: this.config.logBytesMax });
    const path = join(this.logDir, `${name}.log`);
    // an adopter replays the recent part of the file into memory; a fresh start shows only new output
    const size = await stat(path).then(
      (s) => s.size,
      () => 0,
    );
    const startOffset = adopting ? Math.max(0, size - this.config.logBytesMax) : size;
    const tail = new LogTail(path, log, this.config.logFileBytesMax, startOffset);
    const entry: Entry = { name, config, log, tail, phase: 'dead', startedAtMs: 0, restarts: 0, attempt: 0 };
    this.entries.set(name, entry);
    return entry;
  }

  async start(unit: RuntimeUnit): Promise<void> {
    this.assertOpen();
    // the name becomes file names in the state dir: only valid unit names get this far
    if (parseUnitName(unit.name).type !== 'service') {
      throw new RuntimeConfigError(`ProcessRuntime runs .service units, not ${unit.name}`);
    }
    const config = parseServiceConfig(unit.file);
    const entry = await this.entryFor(unit.name, config, false);
    if (entry.phase === 'running' || entry.phase === 'start-pre' || entry.phase === 'auto-restart') return;
    entry.restarts = 0;
    entry.attempt = 0;
    delete entry.exitCode;
    delete entry.message;
    await this.launch(entry);
  }

  /** ExecStartPre= in order, then the main process. */
  private async launch(entry: Entry): Promise<void> {
    entry.phase = 'start-pre';
    entry.tail.start(this.config.pollIntervalMs);
    const env = await this.environment(entry);
    if (entry.phase !== 'start-pre') return; // stopped meanwhile
    if (typeof env === 'string') return this.fail(entry, env);
    for (const command of entry.config.execStartPre) {
      const result = await this.runToCompletion(entry, command, env, entry.config.timeoutStopMs);
      if (entry.phase !== 'start-pre') return; // stopped meanwhile
      if (result !== undefined && !command.ignoreFailure) return this.fail(entry, `ExecStartPre ${result}`);
    }
    const child = spawnDetached(entry.config.execStart.argv, {
      cwd: entry.config.workingDirectory ?? '/',
      env,
      logPath: entry.tail.path,
    });
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      return this.fail(entry, `ExecStart failed: ${error.message}`);
    }
    child.unref();
    entry.pid = pid;
    entry.startedAtMs = Date.now();
    entry.phase = 'running';
    this.armExit(entry);
    // listen before any await: a quick process may be gone by the next tick
    child.once('exit', (code, signal) => void this.onExit(entry, pid, { code, signal }));
    const stat = await readProcStat(pid);
    entry.startTime = stat?.startTime ?? '';
    if (entry.pid === pid) await this.records.write(this.recordOf(entry));
    this.log.info({ unit: entry.name, pid }, 'unit started');
  }

  private recordOf(entry: Entry): UnitRecord {
    return {
      name: entry.name,
      pid: entry.pid ?? 0,
      startTime: entry.startTime ?? '',
      startedAtMs: entry.startedAtMs,
      restarts: entry.restarts,
      config: entry.config,
    };
  }

  private armExit(entry: Entry): void {
    entry.exited = new Promise((resolve) => {
      entry.markExited = resolve;
    });
  }

  /** An adopted process is not our child: watch /proc until it is gone. */
  private watchAdopted(entry: Entry, pid: number, startTime: string): void {
    entry.watchTimer = setInterval(() => {
      void isSameProcess(pid, startTime).then((alive) => {
        if (!alive) void this.onExit(entry, pid, { code: null, signal: null });
      });
    }, this.config.pollIntervalMs);
  }

  private async onExit(entry: Entry, pid: number, exit: ExitInfo): Promise<void> {
    if (entry.pid !== pid) return; // a late event about an earlier process
    if (entry.watchTimer) clearInterval(entry.watchTimer);
    delete entry.watchTimer;
    delete entry.pid;
    entry.markExited?.();
    await entry.tail.poll().catch(() => {});
    const adoptedUnknown = exit.code === null && exit.signal === null;
    if (exit.code !== null) entry.exitCode = exit.code;
    else delete entry.exitCode;
    entry.message = adoptedUnknown
      ? 'exited (adopted process: exit status unknown)'
      : exit.signal
        ? `killed by signal ${exit.signal}`
        : `exited with code ${exit.code}`;
    if (entry.phase === 'stopping' || this.closed) return;
    await this.records.remove(entry.name);
    const ranMs = Date.now() - entry.startedAtMs;
    if (!shouldRestart(entry.config.restart, exit)) {
      entry.phase = exit.code === 0 ? 'dead' : 'failed';
      entry.tail.stop();
      this.log.info({ unit: entry.name, exitCode: exit.code, signal: exit.signal }, 'unit exited');
      return;
    }
    entry.attempt = ranMs >= this.config.restartResetMs ? 1 : entry.attempt + 1;
    entry.restarts++;
    entry.phase = 'auto-restart';
    const delayMs = restartDelayMs(entry.config.restartSecMs, entry.attempt, this.config.restartBackoffCapMs);
    this.log.info({ unit: entry.name, delayMs, restarts: entry.restarts }, 'unit restarting');
    entry.restartTimer = setTimeout(() => {
      delete entry.restartTimer;
      if (entry.phase === 'auto-restart' && !this.closed) void this.launch(entry);
    }, delayMs);
  }

  private async fail(entry: Entry, message: string): Promise<void> {
    entry.phase = 'failed';
    entry.message = message;
    this.log.warn({ unit: entry.name, message }, 'unit failed to start');
    await entry.tail.poll().catch(() => {});
    entry.tail.stop();
  }

  private async environment(entry: Entry): Promise<NodeJS.ProcessEnv | string> {
    const env: Record<string, string> = { ...this.config.baseEnvironment };
    for (const ref of entry.config.environmentFiles) {
      try {
        for (const [k, v] of parseEnvironmentFile(await readFile(ref.path, 'utf8'))) env[k] = v;
      } catch (err) {
        if (!ref.optional) return `EnvironmentFile ${ref.path}: ${(err as Error).message}`;
      }
    }
    for (const [k, v] of entry.config.environment) env[k] = v;
    return env;
  }

  /** Runs ExecStartPre/ExecStop commands with the unit's directory and log. */
  private runToCompletion(entry: Entry, command: Command, env: NodeJS.ProcessEnv, timeoutMs: number) {
    return runToCompletion(command.argv, {
      cwd: entry.config.workingDirectory ?? '/',
      env,
      logPath: entry.tail.path,
      timeoutMs,
    });
  }

  async stop(name: string): Promise<void> {
    this.assertOpen();
    const entry = this.entries.get(name);
    if (!entry) return;
    const previous = entry.phase;
    entry.phase = 'stopping';
    if (entry.restartTimer) clearTimeout(entry.restartTimer);
    delete entry.restartTimer;
    const pid = entry.pid;
    if (pid !== undefined && (previous === 'running' || previous === 'stopping')) {
      const env = await this.environment(entry);
      const stopEnv = typeof env === 'string' ? { ...this.config.baseEnvironment } : env;
      for (const command of entry.config.execStop) {
        await this.runToCompletion(entry, command, { ...stopEnv, MAINPID: String(pid) }, entry.config.timeoutStopMs);
      }
      if (entry.pid === pid) {
        killGroup(pid, 'SIGTERM');
        if (!(await within(entry.exited, entry.config.timeoutStopMs))) {
          this.log.warn({ unit: name, pid }, 'unit ignored SIGTERM, killing');
          killGroup(pid, 'SIGKILL');
          if (!(await within(entry.exited, this.config.killWaitMs))) {
            this.log.error({ unit: name, pid }, 'unit survived SIGKILL');
          }
        }
      }
    }
    await this.records.remove(name);
    await entry.tail.poll().catch(() => {});
    entry.tail.stop();
    entry.phase = 'dead';
    this.forgetOldDead();
    this.log.info({ unit: name }, 'unit stopped');
  }

  /** Keeps at most `deadUnitsMax` stopped units in memory (their log files stay on disk). */
  private forgetOldDead(): void {
    const dead = [...this.entries.values()].filter((e) => e.phase === 'dead');
    for (const entry of dead.slice(0, Math.max(0, dead.length - this.config.deadUnitsMax))) {
      this.entries.delete(entry.name);
    }
  }

  async status(name: string): Promise<UnitStatus> {
    const entry = this.entries.get(name);
    if (!entry) return inactiveStatus(name);
    const base = {
      name,
      restarts: entry.restarts,
      ...(entry.pid === undefined ? {} : { pid: entry.pid }),
      ...(entry.exitCode === undefined ? {} : { exitCode: entry.exitCode }),
      ...(entry.message === undefined ? {} : { message: entry.message }),
    };
    switch (entry.phase) {
      case 'running':
        return { ...base, active: 'active', sub: 'running' };
      case 'start-pre':
        return { ...base, active: 'activating', sub: 'start-pre' };
      case 'auto-restart':
        return { ...base, active: 'activating', sub: 'auto-restart' };
      case 'stopping':
        return { ...base, active: 'deactivating', sub: 'stop-sigterm' };
      case 'failed':
        return { ...base, active: 'failed', sub: 'failed' };
      case 'dead':
        return { ...base, active: 'inactive', sub: 'dead' };
    }
  }

  async list(): Promise<RunningUnit[]> {
    return [...this.entries.values()]
      .filter((e) => e.pid !== undefined)
      .map((e) => ({ name: e.name, pid: e.pid as number }))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  async *logs(name: string, options: LogOptions): AsyncGenerator<string> {
    const entry = this.entries.get(name);
    if (!entry) return;
    await entry.tail.poll();
    yield* ringLogStream(entry.log, options);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const entry of this.entries.values()) {
      entry.tail.stop();
      if (entry.restartTimer) clearTimeout(entry.restartTimer);
      if (entry.watchTimer) clearInterval(entry.watchTimer);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('ProcessRuntime is closed');
  }
}
