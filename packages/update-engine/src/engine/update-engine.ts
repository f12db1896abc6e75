// The update engine: scheduled and on-demand Omaha checks, download, verification, the passive
// slot write and boot flags, post-boot health confirmation and rollback reporting. Decisions come
// from the pure cores (status machine, check schedule, gptprio); this class does the I/O.
import type { KeyObject } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type BootControl,
  otherSlot,
  readSlotVersion,
  type SlotName,
  toBootSlots,
  writeBootSlots,
} from '../boot/boot-control.js';
import { writeSlot } from '../boot/slot-writer.js';
import {
  type CheckOutcome,
  type CheckScheduleState,
  nextCheckDelayMs,
  recordCheckOutcome,
} from '../core/check-schedule.js';
import { type GptPrioAttributes, markSlotGood, prioritizeForTrial } from '../core/gptprio.js';
import { planPostBoot } from '../core/post-boot.js';
import {
  initialStatusState,
  isBusy,
  type StatusEvent,
  type StatusState,
  statusName,
  transitionStatus,
  UpdateStatus,
} from '../core/update-status.js';
import { ErrorCode, EventResult, EventType } from '../omaha/omaha-codes.js';
import type { OmahaEvent, OmahaRequest } from '../omaha/omaha-request.js';
import { interpretUpdateCheck, type OfferedUpdate } from '../omaha/omaha-response.js';
import { verifyPayloadFile } from '../payload/payload-file.js';
import type { Clock, Random, Timers } from './clock.js';
import { downloadPayload } from './downloader.js';
import { type EngineState, EngineStateFile, type PendingUpdate, withoutAttempt } from './engine-state.js';
import { type HealthProbe, runHealthWindow } from './health-check.js';
import type { Logger } from './logger.js';
import { exchangeOmaha, type OmahaExchange } from './omaha-client.js';
import type { UpdateEngineConfig } from './update-engine-config.js';
import { UpdateError } from './update-error.js';

export const UPDATER_VERSION = 'update_engine-0.4.10';

export interface UpdateEngineDeps {
  readonly bootControl: BootControl;
  readonly bootedSlot: SlotName;
  readonly publicKey: KeyObject;
  readonly clock: Clock;
  readonly timers: Timers;
  readonly random: Random;
  readonly logger: Logger;
  readonly healthProbe: HealthProbe;
  /** Asks the machine to reboot (after a failed health check). */
  readonly reboot: () => Promise<void>;
  /** Observes the passive-slot write (awaited after each chunk). */
  readonly onSlotWrite?: (writtenBytes: number, totalBytes: number) => void | Promise<void>;
}

export interface SlotInfo {
  readonly name: SlotName;
  readonly label: string;
  readonly attributes: GptPrioAttributes;
  readonly version: string;
  readonly booted: boolean;
}

export interface BootInfo {
  readonly bootedSlot: SlotName;
  readonly runningVersion: string;
  readonly slots: readonly SlotInfo[];
  readonly pendingVersion: string;
}

export type PostBootOutcome = 'none' | 'waiting-for-reboot' | 'confirmed' | 'health-failed' | 'rolled-back';

export class UpdateEngine {
  readonly statusEvents = new EventEmitter<{ status: [StatusState] }>();
  private status: StatusState = initialStatusState();
  private schedule: CheckScheduleState = { failures: 0 };
  private state: EngineState = { queuedEvents: [] };
  private readonly stateFile: EngineStateFile;
  private runningVersion = '0.0.0';
  private running: Promise<StatusState> | null = null;
  private timer: unknown = null;
  private scheduledRun: Promise<void> | null = null;
  private stopped = false;
  private lastProgressEmit = { progress: 0, atMs: 0 };
  private readonly abort = new AbortController();

  constructor(
    readonly config: UpdateEngineConfig,
    private readonly deps: UpdateEngineDeps,
  ) {
    this.stateFile = new EngineStateFile(config.stateDir);
  }

  getStatus(): StatusState {
    return this.status;
  }

  getRunningVersion(): string {
    return this.runningVersion;
  }

  /** Loads state, confirms (or rejects) a freshly booted update, then starts the check schedule. */
  async start(options: { schedule?: boolean } = {}): Promise<PostBootOutcome> {
    await mkdir(join(this.config.stateDir, 'download'), { recursive: true });
    this.state = await this.stateFile.load();
    this.runningVersion = (await readSlotVersion(await this.deps.bootControl.device(this.deps.bootedSlot))) ?? '0.0.0';
    const outcome = await this.afterBoot();
    if (options.schedule ?? true) this.scheduleNext(this.config.initialCheckDelayMs);
    return outcome;
  }

  stop(): void {
    this.stopped = true;
    this.abort.abort();
    if (this.timer !== null) this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Resolves once the current attempt (if any) has finished. */
  async idle(): Promise<void> {
    await this.scheduledRun;
    await this.running?.catch(() => undefined);
  }

  private emit(event: StatusEvent): void {
    const r = transitionStatus(this.status, event, this.deps.clock.nowMs());
    if (!r.ok) throw new Error(`status machine: ${r.reason}`); // a bug in this class
    const prev = this.status;
    this.status = r.state;
    if (event.type === 'download-progress' && prev.status === UpdateStatus.DOWNLOADING) {
      // update_engine re-broadcasts progress every >= 1 % or 10 s
      const now = this.deps.clock.nowMs();
      if (r.state.progress - this.lastProgressEmit.progress < 0.01 && now - this.lastProgressEmit.atMs < 10_000) return;
      this.lastProgressEmit = { progress: r.state.progress, atMs: now };
    }
    this.statusEvents.emit('status', this.status);
  }

  private async afterBoot(): Promise<PostBootOutcome> {
    const log = this.deps.logger;
    const died = this.state.attempt;
    if (died !== undefined) {
      // the previous process died mid-attempt (kill -9, power loss): tell the server
      const errorCode = died.phase === 'writing' ? ErrorCode.DownloadWriteError : ErrorCode.DownloadIncomplete;
      log.warn({ version: died.version, phase: died.phase, errorCode }, 'previous update attempt was interrupted');
      const event: OmahaEvent = { type: EventType.UpdateComplete, result: EventResult.Error, errorCode };
      await this.saveState({ ...withoutAttempt(this.state), queuedEvents: [...this.state.queuedEvents, event] });
      this.status = {
        ...this.status,
        lastErrorCode: errorCode,
        lastError: `update to ${died.version} was interrupted while ${died.phase}`,
      };
    }
    const { pending } = this.state;
    const booted = this.deps.bootedSlot;
    const flags = await this.deps.bootControl.readFlags();
    const plan = planPostBoot({ pending, bootId: this.config.bootId, bootedSlot: booted, slots: toBootSlots(flags) });
    if (plan.kind === 'none') return 'none';
    if (plan.kind === 'waiting-for-reboot' && pending !== undefined) {
      this.status = { ...initialStatusState(true), newVersion: pending.version, progress: 1 };
      return 'waiting-for-reboot';
    }
    if (plan.kind === 'drop-pending') {
      log.warn({ version: pending?.version }, 'pending update was never made bootable: dropped');
      await this.saveState({ queuedEvents: this.state.queuedEvents });
      return 'none';
    }
    if (plan.kind === 'rolled-back') {
      log.warn({ version: pending?.version, slot: pending?.slot }, 'update rolled back by the bootloader');
      const rollback: OmahaEvent = {
        type: EventType.UpdateComplete,
        result: EventResult.Error,
        errorCode: ErrorCode.RollbackError,
      };
      await this.saveState({ queuedEvents: [...this.state.queuedEvents, rollback] });
      return 'rolled-back';
    }
    const healthy = await runHealthWindow(
      this.deps.healthProbe,
      this.config.healthWindowMs,
      this.config.healthIntervalMs,
      this.deps.clock,
      this.deps.timers,
    );
    if (healthy) {
      await writeBootSlots(this.deps.bootControl, markSlotGood(toBootSlots(flags), booted));
      log.info({ slot: booted, version: this.runningVersion }, 'booted slot marked good');
      if (pending === undefined) return 'none';
      await this.saveState({
        queuedEvents: [
          ...this.state.queuedEvents,
          {
            type: EventType.UpdateComplete,
            result: EventResult.SuccessReboot,
            previousVersion: pending.previousVersion,
          },
        ],
      });
      await this.flushEvents();
      return 'confirmed';
    }
    log.error({ slot: booted, version: this.runningVersion }, 'health check failed after boot: requesting reboot');
    const failed: PendingUpdate | undefined =
      pending === undefined ? undefined : { ...pending, phase: 'health-failed', bootId: this.config.bootId };
    await this.saveState({
      ...(failed === undefined ? {} : { pending: failed }),
      queuedEvents: [
        ...this.state.queuedEvents,
        { type: EventType.UpdateComplete, result: EventResult.Error, errorCode: ErrorCode.Error },
      ],
    });
    await this.flushEvents();
    await this.deps.reboot();
    return 'health-failed';
  }

  private async saveState(next: EngineState): Promise<void> {
    await this.stateFile.save(next);
    this.state = next;
  }

  private baseRequest(
    interactive: boolean,
    body: { ping: boolean; updateCheck: boolean; events: readonly OmahaEvent[] },
  ): OmahaRequest {
    return {
      updaterVersion: UPDATER_VERSION,
      installSource: interactive ? 'ondemandupdate' : 'scheduler',
      os: { version: 'Chateau', platform: 'CoreOS', sp: `${this.runningVersion}_x86_64` },
      apps: [
        {
          appId: this.config.appId,
          version: this.runningVersion,
          track: this.config.group,
          machineId: this.config.machineId,
          bootId: this.config.bootId,
          ...body,
        },
      ],
    };
  }

  private async send(
    events: readonly OmahaEvent[],
    extra: { ping: boolean; updateCheck: boolean },
    interactive = false,
  ) {
    return exchangeOmaha(
      this.config.server,
      this.baseRequest(interactive, { ...extra, events }),
      this.config.requestTimeoutMs,
    );
  }

  /** Sends queued events; keeps them queued when the server cannot be reached. */
  async flushEvents(): Promise<boolean> {
    const events = this.state.queuedEvents;
    if (events.length === 0) return true;
    const r = await this.send(events, { ping: false, updateCheck: false });
    if (r.kind !== 'ok') return false;
    await this.saveState({ ...this.state, queuedEvents: this.state.queuedEvents.slice(events.length) });
    return true;
  }

  /** Best-effort progress event (13/1, 14/1): failures are logged, not queued. */
  private async reportProgressEvent(type: number): Promise<void> {
    const r = await this.send([{ type, result: EventResult.Success }], { ping: false, updateCheck: false });
    if (r.kind !== 'ok') this.deps.logger.warn({ type, error: r.message }, 'progress event not delivered');
  }

  /** An on-demand check (AttemptUpdate). Refused (returns false) while an attempt runs. */
  attemptUpdate(interactive = true): { started: boolean; done: Promise<StatusState> } {
    if (this.running !== null || isBusy(this.status.status))
      return { started: false, done: Promise.resolve(this.status) };
    if (this.status.status === UpdateStatus.UPDATED_NEED_REBOOT)
      return { started: false, done: Promise.resolve(this.status) };
    const done = this.runAttempt(interactive).finally(() => {
      this.running = null;
    });
    this.running = done;
    return { started: true, done };
  }

  resetStatus(): { ok: boolean; reason: string } {
    const r = transitionStatus(this.status, { type: 'reset' }, this.deps.clock.nowMs());
    if (!r.ok) return { ok: false, reason: r.reason };
    this.status = r.state;
    this.statusEvents.emit('status', this.status);
    return { ok: true, reason: '' };
  }

  private scheduleNext(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = null;
      this.scheduledRun = this.scheduledCheck()
        .catch((err: unknown) => this.deps.logger.error({ err }, 'scheduled check failed'))
        .finally(() => {
          this.scheduledRun = null;
        });
    }, delayMs);
  }

  /** Runs one scheduled check now and schedules the next (exposed for tests through timers). */
  private async scheduledCheck(): Promise<void> {
    try {
      if (this.status.status === UpdateStatus.UPDATED_NEED_REBOOT) {
        // waiting for the reboot: ping only
        const sent = this.state.queuedEvents;
        const r = await this.send(sent, { ping: true, updateCheck: false });
        this.schedule = recordCheckOutcome(this.schedule, outcomeOf(r));
        if (r.kind === 'ok')
          await this.saveState({ ...this.state, queuedEvents: this.state.queuedEvents.slice(sent.length) });
      } else {
        await this.attemptUpdate(false).done;
      }
    } finally {
      // whatever happened, the schedule goes on
      this.scheduleNext(nextCheckDelayMs(this.config.schedule, this.schedule, this.deps.random()));
    }
  }

  /** Runs an attempt; an unexpected error (e.g. the state dir failing) still ends in IDLE with a code. */
  private async runAttempt(interactive: boolean): Promise<StatusState> {
    try {
      return await this.runAttemptSteps(interactive);
    } catch (err) {
      this.deps.logger.error({ err }, 'update attempt crashed');
      const message = (err as Error).message ?? String(err);
      if (isBusy(this.status.status) && this.status.status !== UpdateStatus.REPORTING_ERROR_EVENT) {
        this.emit({ type: 'failed', errorCode: ErrorCode.Error, message });
      }
      if (this.status.status === UpdateStatus.REPORTING_ERROR_EVENT) this.emit({ type: 'error-reported' });
      return this.status;
    }
  }

  private async runAttemptSteps(interactive: boolean): Promise<StatusState> {
    this.emit({ type: 'check' });
    const sent = this.state.queuedEvents;
    const exchange = await this.send(sent, { ping: true, updateCheck: true }, interactive);
    this.schedule = recordCheckOutcome(this.schedule, outcomeOf(exchange));
    if (exchange.kind === 'client-error') {
      // the server answered but not usably (bad XML, 4xx): tell it what went wrong
      return this.fail(new UpdateError(exchange.errorCode, exchange.message));
    }
    if (exchange.kind !== 'ok') {
      this.deps.logger.warn({ error: exchange.message, errorCode: exchange.errorCode }, 'update check failed');
      // the server did not answer: nothing to report it to
      this.emit({ type: 'failed', errorCode: exchange.errorCode, message: exchange.message });
      this.emit({ type: 'error-reported' });
      return this.status;
    }
    if (sent.length > 0)
      await this.saveState({ ...this.state, queuedEvents: this.state.queuedEvents.slice(sent.length) });
    const outcome = interpretUpdateCheck(exchange.response, this.config.appId);
    if (outcome.kind === 'no-update') {
      if (outcome.pollIntervalSeconds !== undefined) {
        this.schedule = recordCheckOutcome(this.schedule, {
          kind: 'ok',
          pollIntervalMs: outcome.pollIntervalSeconds * 1000,
        });
      }
      this.emit({ type: 'no-update' });
      return this.status;
    }
    if (outcome.kind === 'invalid') return this.fail(new UpdateError(outcome.errorCode, outcome.message));
    try {
      await this.install(outcome.update);
    } catch (err) {
      if (err instanceof UpdateError) return this.fail(err);
      this.deps.logger.error({ err }, 'update attempt crashed');
      return this.fail(new UpdateError(ErrorCode.Error, (err as Error).message));
    }
    return this.status;
  }

  private async fail(err: UpdateError): Promise<StatusState> {
    this.deps.logger.warn({ errorCode: err.code, codeName: err.codeName, error: err.message }, 'update attempt failed');
    this.emit({ type: 'failed', errorCode: err.code, message: err.message });
    const event: OmahaEvent = { type: EventType.UpdateComplete, result: EventResult.Error, errorCode: err.code };
    await this.saveState({ ...withoutAttempt(this.state), queuedEvents: [...this.state.queuedEvents, event] });
    await this.flushEvents();
    this.emit({ type: 'error-reported' });
    return this.status;
  }

  private stagingPaths() {
    const dir = join(this.config.stateDir, 'download');
    return { payload: join(dir, 'payload.part'), meta: join(dir, 'payload.meta.json') };
  }

  private async install(update: OfferedUpdate): Promise<void> {
    const log = this.deps.logger;
    this.emit({ type: 'update-available', version: update.version, sizeBytes: update.sizeBytes });
    log.info({ version: update.version, sizeBytes: update.sizeBytes }, 'update available');
    const staging = this.stagingPaths();
    // a partial download of another payload is not resumed
    const meta = await readFile(staging.meta, 'utf8').catch(() => '');
    if (meta !== update.sha256Base64) {
      await rm(staging.payload, { force: true });
      await writeFile(staging.meta, update.sha256Base64);
    }
    await this.saveState({ ...this.state, attempt: { version: update.version, phase: 'downloading' } });
    await this.reportProgressEvent(EventType.UpdateDownloadStarted);
    this.lastProgressEmit = { progress: 0, atMs: this.deps.clock.nowMs() };
    const download = await downloadPayload(update.urls, staging.payload, update.sizeBytes, {
      resumeMax: this.config.downloadResumeMax,
      onProgress: (bytes) => this.emit({ type: 'download-progress', bytes }),
      signal: this.abort.signal,
    });
    log.info({ resumed: download.resumed, requests: download.requests }, 'payload downloaded');
    await this.reportProgressEvent(EventType.UpdateDownloadFinished);
    this.emit({ type: 'downloaded' });
    try {
      await verifyPayloadFile(
        staging.payload,
        { sizeBytes: update.sizeBytes, sha256Base64: update.sha256Base64 },
        this.deps.publicKey,
      );
    } catch (err) {
      await rm(staging.payload, { force: true }); // never resume from bytes that failed verification
      throw err;
    }
    this.emit({ type: 'verified' });
    const passive = otherSlot(this.deps.bootedSlot);
    const device = await this.deps.bootControl.device(passive);
    await this.saveState({ ...this.state, attempt: { version: update.version, phase: 'writing' } });
    await writeSlot(device, staging.payload, update.sha256Base64, {
      signal: this.abort.signal,
      ...(this.deps.onSlotWrite === undefined ? {} : { onProgress: this.deps.onSlotWrite }),
    });
    const flags = toBootSlots(await this.deps.bootControl.readFlags());
    const pending: PendingUpdate = {
      version: update.version,
      slot: passive,
      previousVersion: this.runningVersion,
      bootId: this.config.bootId,
      phase: 'need-reboot',
    };
    // record the pending update before the flags change, so a crash in between is recoverable
    await this.saveState({ ...withoutAttempt(this.state), pending });
    await writeBootSlots(this.deps.bootControl, prioritizeForTrial(flags, passive));
    await rm(staging.payload, { force: true });
    log.info({ slot: passive, version: update.version }, 'passive slot written and set to boot next');
    const installed: OmahaEvent = { type: EventType.UpdateComplete, result: EventResult.Success };
    await this.saveState({ ...this.state, queuedEvents: [...this.state.queuedEvents, installed] });
    await this.flushEvents();
    this.emit({ type: 'finalized' });
  }

  async getBootInfo(): Promise<BootInfo> {
    const flags = await this.deps.bootControl.readFlags();
    const slots = await Promise.all(
      flags.map(
        async (f): Promise<SlotInfo> => ({
          name: f.name,
          label: f.label,
          attributes: f.attributes,
          version: (await readSlotVersion(await this.deps.bootControl.device(f.name))) ?? '',
          booted: f.name === this.deps.bootedSlot,
        }),
      ),
    );
    return {
      bootedSlot: this.deps.bootedSlot,
      runningVersion: this.runningVersion,
      slots,
      pendingVersion: this.state.pending?.version ?? '',
    };
  }

  describeStatus(): string {
    return statusName(this.status.status);
  }
}

function outcomeOf(r: OmahaExchange): CheckOutcome {
  if (r.kind === 'ok') return { kind: 'ok' };
  return { kind: r.kind };
}
