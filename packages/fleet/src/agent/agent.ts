/**
 * fleet's agent: registers this machine under a lease, mirrors the registry parts it needs
 * (its own schedule, its own settings, unit files and desired states), and converges the
 * runtimes on `agentTargets`. Units already running when it starts are adopted, not restarted;
 * while kv is unreachable it keeps the last known targets (so it keeps running what it runs);
 * it stops a unit only when the registry says the unit is no longer launched here.
 */
import type { KvClient } from '@coreos-ts/kv-client';
import { Session } from '@coreos-ts/kv-client';
import { KvMirror } from '../control/kv-mirror.js';
import { pause, Wakeup } from '../control/wakeup.js';
import { mergeMachine } from '../registry/cluster-state.js';
import { decodeMetadata, encodeRecord, type MachineRecord, type UnitStateRecord } from '../registry/records.js';
import type { LogOptions, UnitRuntime } from '../runtime/unit-runtime.js';
import type { Machine } from '../scheduler/machine.js';
import { expandRuntimeSpecifiers } from '../unit/runtime-specifiers.js';
import { parseUnitFile } from '../unit/unit-file.js';
import { parseUnitName } from '../unit/unit-name.js';
import { type AgentConfig, validateAgentConfig } from './agent-config.js';
import { type AgentAction, type AgentTarget, agentActions, agentTargets } from './agent-targets.js';
import { UnitCache } from './unit-cache.js';
import { unitStateRecord } from './unit-state.js';

export class Agent {
  private readonly stopper = new AbortController();
  private readonly wakeup = new Wakeup();
  /** unit -> hash of the file it was started (or adopted) with */
  private readonly launched = new Map<string, string>();
  private readonly startErrors = new Map<string, string>();
  /** unit -> the state JSON last written under the current lease */
  private readonly published = new Map<string, string>();
  private readonly units: UnitCache;
  private readonly mirrors: { units: KvMirror; desired: KvMirror; schedule: KvMirror; settings: KvMirror };
  private session: Session | undefined;
  private loops: Promise<unknown> | undefined;
  private passCount = 0;

  constructor(private readonly config: AgentConfig) {
    validateAgentConfig(config);
    const keys = config.keys;
    const mirror = (prefix: string, onChange?: (changed?: readonly string[]) => void): KvMirror =>
      new KvMirror({
        client: config.client,
        prefix,
        logger: config.logger,
        onChange: (changed) => {
          onChange?.(changed);
          this.wakeup.kick();
        },
        retryMs: config.retryMs,
      });
    this.mirrors = {
      units: mirror(keys.units, (changed) => this.units.changed(changed)),
      desired: mirror(keys.desiredAll, (changed) => this.units.changed(changed)),
      schedule: mirror(keys.scheduleOf(config.machineId)),
      settings: mirror(keys.settingsOf(config.machineId)),
    };
    this.units = new UnitCache(keys, this.mirrors.units, this.mirrors.desired);
  }

  get machineId(): string {
    return this.config.machineId;
  }

  /** The machine is registered under a live lease (false during a kv outage longer than the TTL). */
  get registered(): boolean {
    return this.session !== undefined && !this.session.isLost;
  }

  /** Passes completed since start. */
  get passes(): number {
    return this.passCount;
  }

  start(): void {
    if (this.loops) return;
    const signal = this.stopper.signal;
    this.loops = Promise.all([
      ...Object.values(this.mirrors).map((m) => m.run(signal)),
      this.sessionLoop(signal),
      this.reconcileLoop(signal),
    ]);
  }

  /**
   * Stops the agent and lets go of the runtimes' supervision; units keep running and the
   * machine's lease is left to run out (a restart within the TTL adopts everything unmoved).
   */
  async stop(): Promise<void> {
    this.stopper.abort();
    this.session?.orphan();
    await this.loops;
  }

  /** The unit's output, when it runs (or ran) here. */
  logs(name: string, options: LogOptions): AsyncIterable<string> {
    return this.runtimeFor(name)?.logs(name, options) ?? emptyLog();
  }

  hasUnit(name: string): boolean {
    return this.launched.has(name);
  }

  private get client(): KvClient {
    return this.config.client;
  }

  private runtimeFor(name: string): UnitRuntime | undefined {
    const type = parseUnitName(name).type;
    return type === 'service' ? this.config.processRuntime : this.config.dockerRuntime;
  }

  private async sessionLoop(signal: AbortSignal): Promise<void> {
    const { logger: log, ttlSeconds } = this.config;
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    while (!signal.aborted) {
      try {
        const session = await Session.create(this.client, { ttlSeconds });
        if (signal.aborted) {
          session.orphan();
          return;
        }
        this.session = session;
        await this.register(session);
        this.published.clear();
        log.info({ machineId: this.machineId, lease: session.leaseId.toString(16) }, 'machine registered');
        this.wakeup.kick();
        await Promise.race([session.lost, stopped]);
        if (signal.aborted) return;
        log.warn({ machineId: this.machineId }, 'machine lease lost; registering again');
      } catch (err) {
        if (signal.aborted) return;
        log.warn({ err: (err as Error).message }, 'machine registration failed');
      }
      this.session = undefined;
      await pause(this.config.retryMs, signal);
    }
  }

  private async register(session: Session): Promise<void> {
    const c = this.config;
    const record: MachineRecord = {
      id: c.machineId,
      publicIp: c.publicIp,
      metadata: c.metadata,
      apiAddress: c.apiAddress,
    };
    await this.client.put(c.keys.machine(c.machineId), encodeRecord(record), { lease: session.leaseId });
  }

  private async reconcileLoop(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.wakeup.wait(this.config.reconcileIntervalMs, signal);
      if (signal.aborted) return;
      if (!Object.values(this.mirrors).every((m) => m.isReady)) continue;
      try {
        await this.pass();
        this.passCount++;
      } catch (err) {
        if (signal.aborted) return;
        this.config.logger.warn({ err: (err as Error).message }, 'agent pass failed');
        await pause(this.config.retryMs, signal);
      }
    }
  }

  private me(): Machine {
    const c = this.config;
    let drained = false;
    let dynamic: Record<string, string> | undefined;
    for (const [what, kv] of this.mirrors.settings.items()) {
      if (what === 'drained') drained = true;
      else if (what === 'metadata') dynamic = decodeMetadata(kv.valueString);
    }
    const record = { id: c.machineId, publicIp: c.publicIp, metadata: c.metadata, apiAddress: c.apiAddress };
    return mergeMachine(record, drained, dynamic);
  }

  private async pass(): Promise<void> {
    const scheduled = new Set<string>();
    for (const [name] of this.mirrors.schedule.items()) scheduled.add(name);
    const targets = agentTargets(this.me(), scheduled, this.units.relevant(scheduled));
    const { running, unsure } = await this.running();
    const actions = agentActions(targets, this.launched, running).filter((a) => !unsure.has(runtimeKind(a.name)));
    for (const action of actions) await this.apply(action);
    await this.publish(targets, running);
  }

  /** What the runtimes run; a runtime that cannot answer makes its unit type "unsure" (left alone). */
  private async running(): Promise<{ running: Set<string>; unsure: Set<string> }> {
    const running = new Set<string>();
    const unsure = new Set<string>();
    const runtimes: [string, UnitRuntime | undefined][] = [
      ['service', this.config.processRuntime],
      ['container', this.config.dockerRuntime],
    ];
    for (const [kind, runtime] of runtimes) {
      if (!runtime) continue;
      try {
        for (const unit of await runtime.list()) running.add(unit.name);
      } catch (err) {
        unsure.add(kind);
        this.config.logger.warn(
          { runtime: runtime.kind, err: (err as Error).message },
          'runtime did not list its units',
        );
      }
    }
    return { running, unsure };
  }

  private async apply(action: AgentAction): Promise<void> {
    const log = this.config.logger;
    const runtime = this.runtimeFor(action.name);
    if (action.kind === 'adopt') {
      this.launched.set(action.name, action.hash);
      log.info({ unit: action.name }, 'adopted running unit');
      return;
    }
    if (action.kind === 'stop') {
      log.info({ unit: action.name, reason: action.reason }, 'stopping unit');
      this.launched.delete(action.name);
      this.startErrors.delete(action.name);
      await runtime?.stop(action.name);
      return;
    }
    if (action.kind === 'restart') await runtime?.stop(action.name);
    this.launched.set(action.name, action.hash);
    this.startErrors.delete(action.name);
    const text = this.units.text(action.name);
    if (!runtime) {
      this.startErrors.set(action.name, 'no container runtime configured (Docker)');
      return;
    }
    if (text === undefined) return;
    log.info({ unit: action.name, kind: action.kind }, 'starting unit');
    try {
      const file = expandRuntimeSpecifiers(parseUnitFile(text), parseUnitName(action.name), this.config.machineId);
      await runtime.start({ name: action.name, file });
    } catch (err) {
      this.startErrors.set(action.name, (err as Error).message);
      log.warn({ unit: action.name, err: (err as Error).message }, 'unit failed to start');
    }
  }

  /** Writes changed unit states under the machine's lease and deletes the ones gone from here. */
  private async publish(targets: ReadonlyMap<string, AgentTarget>, running: ReadonlySet<string>): Promise<void> {
    const session = this.session;
    if (!session || session.isLost) return;
    const keys = this.config.keys;
    const names = new Set([...targets.keys(), ...this.launched.keys(), ...running]);
    for (const name of [...names].sort()) {
      const record = await this.stateOf(name, targets.get(name));
      const json = encodeRecord(record);
      if (this.published.get(name) === json) continue;
      await this.client.put(keys.state(name, this.machineId), json, { lease: session.leaseId });
      this.published.set(name, json);
    }
    for (const name of [...this.published.keys()]) {
      if (names.has(name)) continue;
      await this.client.delete(keys.state(name, this.machineId));
      this.published.delete(name);
    }
  }

  private async stateOf(name: string, target: AgentTarget | undefined): Promise<UnitStateRecord> {
    const hash = this.launched.get(name) ?? target?.hash ?? '';
    const launched = this.launched.has(name);
    const error = this.startErrors.get(name);
    if (error !== undefined) return unitStateRecord(hash, launched, { error });
    const runtime = this.runtimeFor(name);
    if (!runtime) return unitStateRecord(hash, launched, { error: 'no runtime for this unit type' });
    try {
      return unitStateRecord(hash, launched, { status: await runtime.status(name) });
    } catch (err) {
      return unitStateRecord(hash, launched, { error: (err as Error).message });
    }
  }
}

function runtimeKind(name: string): string {
  return parseUnitName(name).type;
}

async function* emptyLog(): AsyncGenerator<string> {}
