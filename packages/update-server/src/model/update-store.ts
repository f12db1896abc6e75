// The persistent model: LevelDB (classic-level) with JSON values, mirrored in memory for reads.
// Every change is one LevelDB batch; memory is updated only after the batch is written.
import { EventEmitter } from 'node:events';
import { ClassicLevel } from 'classic-level';
import type { Application, Channel, Group, Instance, InstanceEvent, PackageRecord } from './entities.js';

export type StoreOp =
  | { readonly kind: 'app'; readonly value: Application }
  | { readonly kind: 'package'; readonly value: PackageRecord }
  | { readonly kind: 'channel'; readonly value: Channel }
  | { readonly kind: 'group'; readonly value: Group }
  | { readonly kind: 'delete-group'; readonly id: string }
  | { readonly kind: 'instance'; readonly value: Instance }
  | { readonly kind: 'event'; readonly value: Omit<InstanceEvent, 'seq'> };

export interface UpdateStoreLimits {
  readonly maxInstances: number;
  readonly maxEvents: number;
}

export const defaultStoreLimits: UpdateStoreLimits = { maxInstances: 100_000, maxEvents: 1_000_000 };

export class StoreLimitError extends Error {
  override readonly name = 'StoreLimitError';
}

const instanceKey = (appId: string, machineId: string) => `inst/${appId}/${machineId}`;
const channelKey = (appId: string, name: string) => `chan/${appId}/${name}`;
const eventKey = (seq: number) => `event/${String(seq).padStart(16, '0')}`;
/** Per-machine index of the event log: `mevent/<machine>/<seq>` -> the event. */
const machineEventKey = (machineId: string, seq: number) => `mevent/${machineId}/${String(seq).padStart(16, '0')}`;

export class UpdateStore {
  readonly changes = new EventEmitter<{ change: [StoreOp[]] }>();
  private readonly apps = new Map<string, Application>();
  private readonly packages = new Map<string, PackageRecord>();
  private readonly channels = new Map<string, Channel>();
  private readonly groups = new Map<string, Group>();
  private readonly instances = new Map<string, Instance>();
  private firstEventSeq = 1;
  private nextEventSeq = 1;

  private constructor(
    private readonly db: ClassicLevel<string, string>,
    readonly limits: UpdateStoreLimits,
  ) {}

  static async open(dir: string, limits: UpdateStoreLimits = defaultStoreLimits): Promise<UpdateStore> {
    const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' });
    await db.open();
    const store = new UpdateStore(db, limits);
    await store.load();
    return store;
  }

  private async load(): Promise<void> {
    const prefixRange = (prefix: string) => ({ gte: prefix, lt: `${prefix.slice(0, -1)}0` });
    for await (const [key, value] of this.db.iterator(prefixRange('app/'))) {
      this.apps.set(key.slice(4), JSON.parse(value) as Application);
    }
    for await (const [key, value] of this.db.iterator(prefixRange('pkg/'))) {
      this.packages.set(key.slice(4), JSON.parse(value) as PackageRecord);
    }
    for await (const [key, value] of this.db.iterator(prefixRange('chan/'))) {
      this.channels.set(key, JSON.parse(value) as Channel);
    }
    for await (const [key, value] of this.db.iterator(prefixRange('group/'))) {
      this.groups.set(key.slice(6), JSON.parse(value) as Group);
    }
    for await (const [key, value] of this.db.iterator(prefixRange('inst/'))) {
      this.instances.set(key, JSON.parse(value) as Instance);
    }
    for await (const key of this.db.keys({ gte: 'event/', lt: 'event0', limit: 1 })) {
      this.firstEventSeq = Number(key.slice(6));
    }
    for await (const key of this.db.keys({ gte: 'event/', lt: 'event0', reverse: true, limit: 1 })) {
      this.nextEventSeq = Number(key.slice(6)) + 1;
    }
    if (this.nextEventSeq === 1) this.firstEventSeq = 1;
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  app(id: string): Application | undefined {
    return this.apps.get(id);
  }
  listApps(): Application[] {
    return [...this.apps.values()];
  }
  package(id: string): PackageRecord | undefined {
    return this.packages.get(id);
  }
  listPackages(appId?: string): PackageRecord[] {
    return [...this.packages.values()].filter((p) => appId === undefined || p.appId === appId);
  }
  channel(appId: string, name: string): Channel | undefined {
    return this.channels.get(channelKey(appId, name));
  }
  listChannels(appId?: string): Channel[] {
    return [...this.channels.values()].filter((c) => appId === undefined || c.appId === appId);
  }
  group(id: string): Group | undefined {
    return this.groups.get(id);
  }
  listGroups(appId?: string): Group[] {
    return [...this.groups.values()].filter((g) => appId === undefined || g.appId === appId);
  }
  /** The group an Omaha request selects: by track name, or by group id (legacy clients). */
  groupForTrack(appId: string, track: string): Group | undefined {
    for (const g of this.groups.values()) if (g.appId === appId && (g.track === track || g.id === track)) return g;
    return undefined;
  }
  instance(appId: string, machineId: string): Instance | undefined {
    return this.instances.get(instanceKey(appId, machineId));
  }
  listInstances(filter: { appId?: string; groupId?: string } = {}): Instance[] {
    return [...this.instances.values()].filter(
      (i) =>
        (filter.appId === undefined || i.appId === filter.appId) &&
        (filter.groupId === undefined || i.groupId === filter.groupId),
    );
  }

  async listEvents(filter: { machineId?: string; groupId?: string; limit: number }): Promise<InstanceEvent[]> {
    const out: InstanceEvent[] = [];
    // by machine: its own index range; otherwise the whole log, newest first
    const range =
      filter.machineId === undefined
        ? { gte: 'event/', lt: 'event0' }
        : { gte: `mevent/${filter.machineId}/`, lt: `mevent/${filter.machineId}0` };
    for await (const value of this.db.values({ ...range, reverse: true })) {
      const e = JSON.parse(value) as InstanceEvent;
      if (filter.machineId !== undefined && e.machineId !== filter.machineId) continue;
      if (filter.groupId !== undefined && e.groupId !== filter.groupId) continue;
      out.push(e);
      if (out.length >= filter.limit) break;
    }
    return out.reverse();
  }

  /** Applies the ops as one LevelDB batch, then to memory, then notifies listeners. */
  async write(ops: readonly StoreOp[]): Promise<void> {
    if (ops.length === 0) return;
    const batch = this.db.batch();
    let newInstances = 0;
    let seq = this.nextEventSeq;
    const applied: StoreOp[] = [];
    for (const op of ops) {
      switch (op.kind) {
        case 'app':
          batch.put(`app/${op.value.id}`, JSON.stringify(op.value));
          break;
        case 'package':
          batch.put(`pkg/${op.value.id}`, JSON.stringify(op.value));
          break;
        case 'channel':
          batch.put(channelKey(op.value.appId, op.value.name), JSON.stringify(op.value));
          break;
        case 'group':
          batch.put(`group/${op.value.id}`, JSON.stringify(op.value));
          break;
        case 'delete-group':
          batch.del(`group/${op.id}`);
          break;
        case 'instance':
          if (!this.instances.has(instanceKey(op.value.appId, op.value.machineId))) newInstances++;
          batch.put(instanceKey(op.value.appId, op.value.machineId), JSON.stringify(op.value));
          break;
        case 'event': {
          const event: InstanceEvent = { ...op.value, seq };
          batch.put(eventKey(seq), JSON.stringify(event));
          batch.put(machineEventKey(event.machineId, seq), JSON.stringify(event));
          seq++;
          break;
        }
      }
      applied.push(op);
    }
    if (this.instances.size + newInstances > this.limits.maxInstances) {
      batch.close();
      throw new StoreLimitError(`instance limit (${this.limits.maxInstances}) reached`);
    }
    // retention: drop the oldest events beyond maxEvents
    let first = this.firstEventSeq;
    const expired: string[] = [];
    while (seq - first > this.limits.maxEvents) expired.push(eventKey(first++));
    const old = expired.length === 0 ? [] : await this.db.getMany(expired);
    expired.forEach((key, i) => {
      batch.del(key);
      const value = old[i];
      if (value !== undefined) {
        const e = JSON.parse(value) as InstanceEvent;
        batch.del(machineEventKey(e.machineId, e.seq));
      }
    });
    await batch.write();
    this.nextEventSeq = seq;
    this.firstEventSeq = first;
    for (const op of ops) this.applyToMemory(op);
    this.changes.emit('change', applied);
  }

  private applyToMemory(op: StoreOp): void {
    switch (op.kind) {
      case 'app':
        this.apps.set(op.value.id, op.value);
        break;
      case 'package':
        this.packages.set(op.value.id, op.value);
        break;
      case 'channel':
        this.channels.set(channelKey(op.value.appId, op.value.name), op.value);
        break;
      case 'group':
        this.groups.set(op.value.id, op.value);
        break;
      case 'delete-group':
        this.groups.delete(op.id);
        break;
      case 'instance':
        this.instances.set(instanceKey(op.value.appId, op.value.machineId), op.value);
        break;
      case 'event':
        break;
    }
  }
}
