// The admin API (transport-independent): applications, packages, channels, groups and their
// policies, pause/resume, instances, events, rollout progress.

import type { KeyObject } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import { on } from 'node:events';
import {
  defaultRolloutPolicy,
  initialRolloutState,
  type RolloutPolicy,
  setPaused,
  validateRolloutPolicy,
} from '../core/rollout-policy.js';
import {
  type Application,
  type Channel,
  type Group,
  type Instance,
  InstanceStatus,
  type PackageRecord,
} from '../model/entities.js';
import type { UpdateStore } from '../model/update-store.js';
import { AdminError } from './admin-error.js';
import { importPayload } from './package-import.js';

export interface GroupProgress {
  readonly groupId: string;
  readonly version: string;
  readonly instances: number;
  readonly onVersion: number;
  readonly complete: number;
  readonly inFlight: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly timedOut: number;
  readonly paused: boolean;
  readonly halted: boolean;
  readonly haltReason: string;
}

export interface UpdateAdminOptions {
  readonly payloadDir: string;
  readonly nowMs: () => number;
  readonly maxPayloadBytes: number;
  /** When set, uploaded payloads must carry a signature by the matching private key. */
  readonly publicKey?: KeyObject;
}

export interface GroupSpec {
  readonly appId: string;
  readonly name: string;
  readonly track: string;
  readonly channel: string;
  readonly policy?: Partial<RolloutPolicy>;
}

export class UpdateAdmin {
  constructor(
    readonly store: UpdateStore,
    private readonly options: UpdateAdminOptions,
  ) {}

  private requireApp(appId: string): Application {
    const app = this.store.app(appId);
    if (app === undefined) throw new AdminError('not-found', `application ${appId} not found`);
    return app;
  }

  requireGroup(id: string): Group {
    const g = this.store.group(id) ?? this.store.listGroups().find((x) => x.name === id);
    if (g === undefined) throw new AdminError('not-found', `group ${id} not found`);
    return g;
  }

  async createApplication(id: string, name: string): Promise<Application> {
    if (id === '') throw new AdminError('invalid-argument', 'application id must not be empty');
    if (this.store.app(id) !== undefined) throw new AdminError('already-exists', `application ${id} exists`);
    const app: Application = { id, name, createdAtMs: this.options.nowMs() };
    await this.store.write([{ kind: 'app', value: app }]);
    return app;
  }

  async ensureApplication(id: string, name: string): Promise<Application> {
    return this.store.app(id) ?? this.createApplication(id, name);
  }

  async addPackage(appId: string, version: string, chunks: AsyncIterable<Buffer>): Promise<PackageRecord> {
    this.requireApp(appId);
    if (this.store.listPackages(appId).some((p) => p.version === version)) {
      throw new AdminError('already-exists', `application ${appId} already has a package ${version}`);
    }
    const imported = await importPayload(this.options.payloadDir, chunks, {
      maxBytes: this.options.maxPayloadBytes,
      ...(this.options.publicKey === undefined ? {} : { publicKey: this.options.publicKey }),
    });
    if (imported.version !== version) {
      throw new AdminError('invalid-argument', `payload header names version ${imported.version}, not ${version}`);
    }
    const pkg: PackageRecord = { id: randomUUID(), appId, createdAtMs: this.options.nowMs(), ...imported };
    await this.store.write([{ kind: 'package', value: pkg }]);
    return pkg;
  }

  /** Points a channel (created when missing) at the package with `version`. */
  async setChannel(appId: string, name: string, version: string): Promise<Channel> {
    this.requireApp(appId);
    if (name === '') throw new AdminError('invalid-argument', 'channel name must not be empty');
    let packageId = '';
    if (version !== '') {
      const pkg = this.store.listPackages(appId).find((p) => p.version === version);
      if (pkg === undefined) throw new AdminError('not-found', `application ${appId} has no package ${version}`);
      packageId = pkg.id;
    }
    const channel: Channel = { appId, name, packageId };
    await this.store.write([{ kind: 'channel', value: channel }]);
    return channel;
  }

  private checkPolicy(policy: RolloutPolicy): void {
    const errors = validateRolloutPolicy(policy);
    if (errors.length > 0) throw new AdminError('invalid-argument', errors.join('; '));
  }

  async createGroup(spec: GroupSpec): Promise<Group> {
    this.requireApp(spec.appId);
    if (spec.name === '' || spec.track === '')
      throw new AdminError('invalid-argument', 'group name and track must not be empty');
    if (this.store.groupForTrack(spec.appId, spec.track) !== undefined) {
      throw new AdminError('already-exists', `application ${spec.appId} already has a group for track ${spec.track}`);
    }
    const policy = { ...defaultRolloutPolicy, ...spec.policy };
    this.checkPolicy(policy);
    const group: Group = {
      id: randomUUID(),
      appId: spec.appId,
      name: spec.name,
      track: spec.track,
      channel: spec.channel,
      policy,
      rollout: initialRolloutState(),
      createdAtMs: this.options.nowMs(),
    };
    await this.store.write([{ kind: 'group', value: group }]);
    return group;
  }

  async updateGroup(id: string, patch: { channel?: string; policy?: Partial<RolloutPolicy> }): Promise<Group> {
    const g = this.requireGroup(id);
    const policy = { ...g.policy, ...patch.policy };
    this.checkPolicy(policy);
    const next: Group = {
      ...g,
      policy,
      ...(patch.channel === undefined || patch.channel === '' ? {} : { channel: patch.channel }),
    };
    await this.store.write([{ kind: 'group', value: next }]);
    return next;
  }

  async setGroupPaused(id: string, paused: boolean): Promise<Group> {
    const g = this.requireGroup(id);
    const next: Group = { ...g, rollout: setPaused(g.rollout, paused) };
    await this.store.write([{ kind: 'group', value: next }]);
    return next;
  }

  listInstances(filter: { appId?: string; groupId?: string }): Instance[] {
    const groupId =
      filter.groupId === undefined || filter.groupId === '' ? undefined : this.requireGroup(filter.groupId).id;
    return this.store.listInstances({
      ...(filter.appId === undefined || filter.appId === '' ? {} : { appId: filter.appId }),
      ...(groupId === undefined ? {} : { groupId }),
    });
  }

  groupProgress(id: string): GroupProgress {
    const g = this.requireGroup(id);
    const channel = this.store.channel(g.appId, g.channel);
    const version = (channel && this.store.package(channel.packageId)?.version) ?? '';
    const instances = this.store.listInstances({ groupId: g.id });
    const r = g.rollout.version === version ? g.rollout : initialRolloutState(version);
    return {
      groupId: g.id,
      version,
      instances: instances.length,
      onVersion: instances.filter((i) => i.version === version).length,
      complete: instances.filter((i) => i.version === version && i.status === InstanceStatus.Complete).length,
      inFlight: Object.keys(r.inFlight).length,
      succeeded: r.succeeded,
      failed: r.failed,
      timedOut: r.timedOut,
      paused: g.rollout.paused,
      halted: r.halted,
      haltReason: r.haltReason,
    };
  }

  /** Yields the group's progress now and after every store change, until `signal` aborts. */
  async *watchGroup(id: string, signal: AbortSignal): AsyncGenerator<GroupProgress> {
    const groupId = this.requireGroup(id).id;
    const changes = on(this.store.changes, 'change', { signal });
    let last = '';
    const emit = () => {
      const p = this.groupProgress(groupId);
      const key = JSON.stringify(p);
      if (key === last) return undefined;
      last = key;
      return p;
    };
    const first = emit();
    if (first !== undefined) yield first;
    try {
      for await (const _ of changes) {
        const p = emit();
        if (p !== undefined) yield p;
      }
    } catch (err) {
      if ((err as Error).name !== 'AbortError') throw err;
    }
  }
}
