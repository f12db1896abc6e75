/**
 * fleet's engine: one leader at a time (kv-client's Election under `engine-leader`), which runs
 * `reconcile` on a consistent registry read whenever units, desired states, machines, machine
 * settings or the schedule change, and at least every reconcile interval. Every write is fenced
 * on the leader key's create revision, so a deposed leader's writes fail instead of landing.
 */
import { Election, type KvClient, Session } from '@coreos-ts/kv-client';
import { KvMirror } from '../control/kv-mirror.js';
import { pause, Wakeup } from '../control/wakeup.js';
import { readClusterState } from '../registry/cluster-state.js';
import { parseUnitFile } from '../unit/unit-file.js';
import { parseXFleet, type XFleetRequirements } from '../unit/x-fleet.js';
import { type EngineConfig, validateEngineConfig } from './engine-config.js';
import { NotLeaderAnymore, writeFenced } from './fenced-write.js';
import { type KvWrite, reconcile } from './reconcile.js';

export interface EngineStatus {
  readonly leading: boolean;
  /** Passes run while leading, and writes made, since start. */
  readonly passes: number;
  readonly writes: number;
}

export class Engine {
  private readonly stopper = new AbortController();
  private readonly wakeup = new Wakeup();
  private readonly requirements = new Map<string, XFleetRequirements | undefined>();
  private loop: Promise<void> | undefined;
  private leading = false;
  private passes = 0;
  private writes = 0;
  private session: Session | undefined;

  constructor(private readonly config: EngineConfig) {
    validateEngineConfig(config);
  }

  get status(): EngineStatus {
    return { leading: this.leading, passes: this.passes, writes: this.writes };
  }

  start(): void {
    this.loop ??= this.campaignLoop();
  }

  /** Resigns (if leading) and stops. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.loop;
  }

  /** Stops without resigning or revoking: like a crash, the lease runs out on its own. */
  async abandon(): Promise<void> {
    this.session?.orphan();
    this.session = undefined;
    await this.stop();
  }

  private get client(): KvClient {
    return this.config.client;
  }

  private async campaignLoop(): Promise<void> {
    const { logger: log, machineId, leaderTtlSeconds } = this.config;
    const signal = this.stopper.signal;
    while (!signal.aborted) {
      let session: Session | undefined;
      try {
        session = await Session.create(this.client, { ttlSeconds: leaderTtlSeconds });
        this.session = session;
        const election = new Election(session, this.config.keys.engineLeader);
        await election.campaign(machineId, { signal });
        this.leading = true;
        log.info({ machineId }, 'became engine leader');
        await this.lead(election, session);
      } catch (err) {
        if (!signal.aborted) log.warn({ err: (err as Error).message }, 'engine leadership ended');
      } finally {
        if (this.leading) log.info({ machineId }, 'no longer engine leader');
        this.leading = false;
        if (this.session === session) await session?.close().catch(() => {});
        this.session = undefined;
      }
      if (!signal.aborted) await pause(this.config.retryMs, signal);
    }
  }

  private async lead(election: Election, session: Session): Promise<void> {
    const keys = this.config.keys;
    const scope = AbortSignal.any([this.stopper.signal, session.signal]);
    const watched = [keys.units, keys.desiredAll, keys.machines, keys.settingsAll, keys.scheduleAll];
    const watches = new AbortController();
    const mirrors = watched.map(
      (prefix) =>
        new KvMirror({
          client: this.client,
          prefix,
          logger: this.config.logger,
          onChange: () => this.wakeup.kick(),
          retryMs: this.config.retryMs,
        }),
    );
    const running = mirrors.map((m) => m.run(AbortSignal.any([scope, watches.signal])));
    try {
      while (!scope.aborted) {
        try {
          await this.pass(election, scope);
        } catch (err) {
          if (err instanceof NotLeaderAnymore || scope.aborted) throw err;
          this.config.logger.warn({ err: (err as Error).message }, 'engine pass failed');
          await pause(this.config.retryMs, scope);
          continue;
        }
        await this.wakeup.wait(this.config.reconcileIntervalMs, scope);
      }
    } finally {
      watches.abort();
      await Promise.all(running);
      if (this.stopper.signal.aborted && !session.isLost && this.session === session) {
        await election.resign({ timeoutMs: 2_000 }).catch(() => {});
      }
    }
  }

  private async pass(election: Election, signal: AbortSignal): Promise<void> {
    const { keys, logger: log } = this.config;
    const state = await readClusterState(this.client, keys, { signal });
    const seen = new Set<string>();
    const result = reconcile(state, keys, (name, text, hash) => {
      const id = `${name}\u0000${hash}`;
      seen.add(id);
      if (!this.requirements.has(id)) this.requirements.set(id, requirementsOf(name, text));
      return this.requirements.get(id);
    });
    for (const id of this.requirements.keys()) if (!seen.has(id)) this.requirements.delete(id);
    this.passes++;
    for (const action of result.plan.actions) {
      if (action.kind === 'unschedule') log.info(action, 'unscheduling unit');
      else log.info(action, 'scheduling unit');
    }
    await this.write(election, result.writes, signal);
  }

  private async write(election: Election, writes: readonly KvWrite[], signal: AbortSignal): Promise<void> {
    const fence = { key: election.key, revision: election.revision };
    this.writes += await writeFenced(this.client, fence, writes, this.config.writesPerTxnMax, signal);
  }
}

function requirementsOf(name: string, text: string): XFleetRequirements | undefined {
  try {
    return parseXFleet(name, parseUnitFile(text));
  } catch {
    return undefined;
  }
}
