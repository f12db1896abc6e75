import { type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import type { Clock } from '../clock.js';
import type { DaemonConfig } from './daemon-config.js';
import type { DaemonAction, DaemonEvent } from './daemon-events.js';
import { type DaemonState, initialDaemonState, step } from './reboot-decider.js';

/**
 * The effects locksmithd performs. Each resolves on success and rejects (with a reason) on
 * failure; the runner turns the outcome into the decider's event.
 */
export interface RebootPorts {
  /** Take this machine's slot (SemaphoreClient.lock); a refusal rejects. */
  lock(): Promise<void>;
  /** Give this machine's slot back if it holds one (SemaphoreClient.unlockIfHeld). */
  unlock(): Promise<void>;
  /** Move this machine's units away (fleet). */
  drain(): Promise<void>;
  undrain(): Promise<void>;
  /** Run the reboot command; rejects when it exits non-zero. */
  reboot(): Promise<void>;
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface DaemonRunnerOptions {
  config: DaemonConfig;
  ports: RebootPorts;
  clock: Clock;
  timers?: Timers;
  log?: Logger;
  /** Called once when the strategy says to stop (off). */
  onExit?: (reason: string) => void;
  /** Told about every step the decider took (observability, tests): the event, the new state, the actions. */
  onStep?: (event: DaemonEvent, state: DaemonState, actions: readonly DaemonAction[]) => void;
}

/** Node's timers take at most 2^31-1 ms; a longer wait wakes early and waits again. */
const TIMER_MS_MAX = 2_147_483_647;

/**
 * The shell around the decider: delivers events one at a time, performs the actions, turns
 * outcomes into events, and keeps at most one timer for the decider's waits.
 */
export class DaemonRunner {
  private current: DaemonState = initialDaemonState();
  private timer: unknown;
  private stopped = false;
  private readonly timers: Timers;
  private readonly log: Logger;

  constructor(private readonly options: DaemonRunnerOptions) {
    this.timers = options.timers ?? systemTimers;
    this.log = options.log ?? silentLogger;
  }

  get state(): DaemonState {
    return this.current;
  }

  /** locksmithd has started on a booted machine. */
  start(): void {
    this.deliver({ type: 'boot-completed' });
  }

  /** update_engine reported a status (from its status stream). */
  updateStatus(status: string): void {
    this.deliver({ type: 'update-status', status });
  }

  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private deliver(event: DaemonEvent): void {
    if (this.stopped) return;
    const result = step(this.options.config, this.current, event, this.options.clock.now());
    this.current = result.state;
    this.options.onStep?.(event, result.state, result.actions);
    for (const action of result.actions) this.perform(action);
  }

  private perform(action: DaemonAction): void {
    const ports = this.options.ports;
    switch (action.type) {
      case 'exit':
        this.log.info({ reason: action.reason }, 'locksmithd exiting');
        this.stop();
        this.options.onExit?.(action.reason);
        break;
      case 'wait-for-window':
        this.log.info({ untilMs: action.untilMs }, 'reboot needed, waiting for the reboot window');
        this.wakeAt(action.untilMs, { type: 'window-opened' });
        break;
      case 'wait-for-backoff':
        this.log.info({ operation: action.operation, untilMs: action.untilMs }, 'retrying after back-off');
        this.wakeAt(action.untilMs, { type: 'timer' });
        break;
      case 'try-lock':
        this.run(ports.lock(), { type: 'lock-acquired' }, (reason) => ({ type: 'lock-refused', reason }));
        break;
      case 'unlock':
        this.run(ports.unlock(), { type: 'unlocked' }, (reason) => ({ type: 'unlock-failed', reason }));
        break;
      case 'drain':
        this.run(ports.drain(), { type: 'drained' }, (reason) => ({ type: 'drain-failed', reason }));
        break;
      case 'undrain':
        this.run(ports.undrain(), { type: 'undrained' }, (reason) => ({ type: 'undrain-failed', reason }));
        break;
      case 'run-reboot':
        this.log.info({}, 'rebooting');
        this.run(ports.reboot(), { type: 'reboot-finished', ok: true }, (reason) => ({
          type: 'reboot-finished',
          ok: false,
          reason,
        }));
        break;
    }
  }

  private run(outcome: Promise<void>, onSuccess: DaemonEvent, onFailure: (reason: string) => DaemonEvent): void {
    outcome.then(
      () => this.deliver(onSuccess),
      (err: unknown) => {
        const reason = err instanceof Error ? err.message : String(err);
        this.log.warn({ reason, event: onFailure(reason).type }, 'locksmithd operation failed');
        this.deliver(onFailure(reason));
      },
    );
  }

  private wakeAt(untilMs: number, event: DaemonEvent): void {
    this.clearTimer();
    const delayMs = Math.max(0, untilMs - this.options.clock.now());
    const capped = Math.min(delayMs, TIMER_MS_MAX);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.deliver(capped < delayMs ? { type: 'timer' } : event);
    }, capped);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
