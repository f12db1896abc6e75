import { type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import { LocksmithError } from '../errors.js';
import { DEFAULT_GROUP, livenessKey, semaphoreKey, validateGroup } from '../semaphore/keys.js';
import {
  decodeSemaphore,
  encodeSemaphore,
  holdersOf,
  INITIAL_SEMAPHORE,
  type Semaphore,
} from '../semaphore/semaphore.js';
import { EMPTY_STALE_TRACKER, observeLiveness, type StaleTracker } from '../semaphore/stale-holders.js';
import {
  lock as lockTransition,
  releaseStale,
  setMax as setMaxTransition,
  type TransitionResult,
  unlock as unlockTransition,
} from '../semaphore/transitions.js';
import type { SemaphoreStore } from '../store/semaphore-store.js';
import { type BackoffPolicy, backoffDelayMs, withJitter } from './backoff.js';

export interface SemaphoreClientOptions {
  store: SemaphoreStore;
  log?: Logger;
  /** Compare-and-swap attempts per operation before it fails with `contention`. Default 10. */
  casAttemptsMax?: number;
  /** Back-off between lost compare-and-swap races. Default 20ms doubling to 1s. */
  casBackoff?: BackoffPolicy;
  /** Waits between attempts; tests pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** [0, 1) for jitter; tests pass a seeded one. */
  random?: () => number;
  /**
   * When set, a holder writes its liveness key, bound to a lease of this many seconds, when it
   * locks, and deletes it when it unlocks; releaseStaleHolders can then tell dead holders from
   * live ones. Off by default, as in locksmith.
   */
  livenessLeaseTtlSeconds?: number;
}

export interface LockResult {
  /** True when `id` already held a slot: nothing was written. */
  readonly alreadyHeld: boolean;
  readonly semaphore: Semaphore;
}

export interface UnlockResult {
  readonly wasHeld: boolean;
  readonly semaphore: Semaphore;
}

export interface SetMaxResult {
  readonly oldMax: number;
  readonly max: number;
  readonly semaphore: Semaphore;
}

export interface StaleRelease {
  readonly id: string;
  readonly absentForMs: number;
}

interface Update {
  readonly before: Semaphore;
  readonly after: Semaphore;
  readonly changed: boolean;
}

const DEFAULT_CAS_BACKOFF: BackoffPolicy = { initialMs: 20, maxMs: 1000 };
const CAS_ATTEMPTS_MAX_LIMIT = 100;

/**
 * locksmith's semaphore over a SemaphoreStore: read, apply a pure transition, compare-and-swap on
 * the mod revision; a lost race is retried with capped, jittered back-off, a bounded number of times.
 */
export class SemaphoreClient {
  private readonly store: SemaphoreStore;
  private readonly log: Logger;
  private readonly casAttemptsMax: number;
  private readonly casBackoff: BackoffPolicy;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  private readonly livenessLeaseTtlSeconds: number | undefined;
  private readonly staleTrackers = new Map<string, StaleTracker>();

  constructor(options: SemaphoreClientOptions) {
    this.store = options.store;
    this.log = options.log ?? silentLogger;
    this.casAttemptsMax = options.casAttemptsMax ?? 10;
    if (!Number.isSafeInteger(this.casAttemptsMax) || this.casAttemptsMax < 1) {
      throw new RangeError(`casAttemptsMax (${this.casAttemptsMax}) must be a positive integer`);
    }
    this.casAttemptsMax = Math.min(this.casAttemptsMax, CAS_ATTEMPTS_MAX_LIMIT);
    this.casBackoff = options.casBackoff ?? DEFAULT_CAS_BACKOFF;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.random = options.random ?? Math.random;
    this.livenessLeaseTtlSeconds = options.livenessLeaseTtlSeconds;
  }

  /** The group's semaphore, created as locksmith creates it when absent. */
  async status(group: string = DEFAULT_GROUP): Promise<Semaphore> {
    checkGroup(group);
    return (await this.read(semaphoreKey(group))).semaphore;
  }

  /** Takes a slot for `id`; a holder that has one already succeeds without a write. */
  async lock(id: string, group: string = DEFAULT_GROUP): Promise<LockResult> {
    checkGroup(group);
    const update = await this.update(group, (s) => lockTransition(s, id));
    if (this.livenessLeaseTtlSeconds !== undefined) {
      await this.store.putLiveness(livenessKey(group, id), this.livenessLeaseTtlSeconds);
    }
    if (update.changed) this.log.info({ group, id, semaphore: update.after.semaphore }, 'reboot lock acquired');
    return { alreadyHeld: !update.changed, semaphore: update.after };
  }

  /** Gives `id`'s slot back; fails with `not-holder` when it has none. */
  async unlock(id: string, group: string = DEFAULT_GROUP): Promise<UnlockResult> {
    checkGroup(group);
    const update = await this.update(group, (s) => unlockTransition(s, id));
    await this.dropLiveness(group, id);
    this.log.info({ group, id, semaphore: update.after.semaphore }, 'reboot lock released');
    return { wasHeld: true, semaphore: update.after };
  }

  /** Gives `id`'s slot back if it has one (FleetLock's UnlockIfHeld, locksmithd's unlock on boot). */
  async unlockIfHeld(id: string, group: string = DEFAULT_GROUP): Promise<UnlockResult> {
    checkGroup(group);
    const update = await this.update(group, (s) => {
      const result = unlockTransition(s, id);
      return result.ok || result.code !== 'not-holder' ? result : { ok: true, state: s, changed: false };
    });
    await this.dropLiveness(group, id);
    if (update.changed) this.log.info({ group, id, semaphore: update.after.semaphore }, 'reboot lock released');
    return { wasHeld: update.changed, semaphore: update.after };
  }

  /** Sets how many holders may hold the group's semaphore; existing holders keep their slots. */
  async setMax(max: number, group: string = DEFAULT_GROUP): Promise<SetMaxResult> {
    checkGroup(group);
    const update = await this.update(group, (s) => setMaxTransition(s, max));
    if (update.changed) this.log.info({ group, oldMax: update.before.max, max }, 'reboot semaphore max changed');
    return { oldMax: update.before.max, max: update.after.max, semaphore: update.after };
  }

  /**
   * Releases holders whose liveness key has been absent for longer than `staleLockTtlMs`, as
   * observed by this client's previous calls (the first call only starts the clock for each).
   * Call it periodically; only useful when every holder writes liveness keys.
   */
  async releaseStaleHolders(
    nowMs: number,
    staleLockTtlMs: number,
    group: string = DEFAULT_GROUP,
  ): Promise<StaleRelease[]> {
    checkGroup(group);
    const { semaphore } = await this.read(semaphoreKey(group));
    const holders = holdersOf(semaphore);
    const live = new Set<string>();
    for (const id of holders) {
      if (await this.store.exists(livenessKey(group, id))) live.add(id);
    }
    const tracker = this.staleTrackers.get(group) ?? EMPTY_STALE_TRACKER;
    const observed = observeLiveness(tracker, nowMs, holders, (id) => live.has(id), staleLockTtlMs);
    this.staleTrackers.set(group, observed.tracker);
    if (observed.stale.length === 0) return [];
    const ids = observed.stale.map((s) => s.id);
    const update = await this.update(group, (s) => releaseStale(s, ids));
    const stillHeld = new Set(holdersOf(update.before));
    const released = observed.stale.filter((s) => stillHeld.has(s.id));
    for (const { id, absentForMs } of released) {
      this.log.warn(
        { group, id, absentForMs, staleLockTtlMs, why: 'liveness key absent for longer than the stale-lock TTL' },
        'released stale reboot lock',
      );
    }
    return released;
  }

  private async dropLiveness(group: string, id: string): Promise<void> {
    if (this.livenessLeaseTtlSeconds !== undefined) await this.store.deleteLiveness(livenessKey(group, id));
  }

  private async read(key: string): Promise<{ semaphore: Semaphore; modRevision: bigint }> {
    for (let attempt = 1; attempt <= this.casAttemptsMax; attempt++) {
      const stored = await this.store.get(key);
      if (stored) return { semaphore: decodeSemaphore(stored.value), modRevision: stored.modRevision };
      if (await this.store.createIfAbsent(key, encodeSemaphore(INITIAL_SEMAPHORE))) {
        this.log.info({ key }, 'reboot semaphore created');
      }
    }
    throw new LocksmithError('contention', `semaphore ${key} kept disappearing after it was created`);
  }

  private async update(group: string, transition: (s: Semaphore) => TransitionResult): Promise<Update> {
    const key = semaphoreKey(group);
    for (let attempt = 1; attempt <= this.casAttemptsMax; attempt++) {
      const current = await this.read(key);
      const result = transition(current.semaphore);
      if (!result.ok) throw new LocksmithError(result.code, result.message);
      if (!result.changed) return { before: current.semaphore, after: current.semaphore, changed: false };
      if (await this.store.compareAndSwap(key, current.modRevision, encodeSemaphore(result.state))) {
        return { before: current.semaphore, after: result.state, changed: true };
      }
      if (attempt < this.casAttemptsMax) {
        const delayMs = withJitter(backoffDelayMs(this.casBackoff, attempt), this.random);
        this.log.debug({ key, attempt, delayMs }, 'semaphore changed under us, retrying');
        await this.sleep(delayMs);
      }
    }
    throw new LocksmithError(
      'contention',
      `gave up after ${this.casAttemptsMax} attempts: semaphore ${key} kept changing under us`,
    );
  }
}

function checkGroup(group: string): void {
  const problem = validateGroup(group);
  if (problem) throw new LocksmithError('invalid-argument', problem);
}
