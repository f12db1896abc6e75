// The Omaha endpoint's logic: decode the request, update instances and event history, apply the
// group's rollout policy, encode the response. Requests are handled one at a time (the policy
// reads and writes the group's rollout state).
import {
  decodeOmahaRequest,
  EventResult,
  EventType,
  encodeOmahaResponse,
  type OmahaAppRequest,
  type OmahaAppResponse,
  type OmahaUpdateCheck,
  OmahaXmlError,
} from '@coreos-ts/update-engine';
import { decideUpdate, recordAttemptOutcome } from '../core/rollout-policy.js';
import { type Group, type Instance, InstanceStatus } from '../model/entities.js';
import { StoreLimitError, type StoreOp, type UpdateStore } from '../model/update-store.js';

export interface OmahaHandlerOptions {
  /** Base URL payloads are served from, e.g. http://host:8080/v1/packages/ */
  readonly payloadBaseUrl: string;
  readonly nowMs: () => number;
  readonly serverName?: string;
}

export interface OmahaHttpAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export class OmahaHandler {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: UpdateStore,
    private readonly options: OmahaHandlerOptions,
  ) {}

  handle(xml: string): Promise<OmahaHttpAnswer> {
    const run = this.queue.then(() => this.handleNow(xml));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handleNow(xml: string): Promise<OmahaHttpAnswer> {
    let request: ReturnType<typeof decodeOmahaRequest>;
    try {
      request = decodeOmahaRequest(xml);
    } catch (err) {
      if (err instanceof OmahaXmlError)
        return { status: 400, body: `bad Omaha request: ${err.message}\n`, contentType: 'text/plain' };
      throw err;
    }
    const now = this.options.nowMs();
    const ops: StoreOp[] = [];
    const apps = request.apps.map((app) => this.handleApp(app, now, ops));
    try {
      await this.store.write(ops);
    } catch (err) {
      if (err instanceof StoreLimitError) return { status: 503, body: `${err.message}\n`, contentType: 'text/plain' };
      throw err;
    }
    const body = encodeOmahaResponse({
      server: this.options.serverName ?? 'coreos-ts',
      dayStartElapsedSeconds: 0,
      apps,
    });
    return { status: 200, body, contentType: 'text/xml; charset=utf-8' };
  }

  private handleApp(app: OmahaAppRequest, now: number, ops: StoreOp[]): OmahaAppResponse {
    const base = { appId: app.appId, ping: app.ping, eventCount: app.events.length };
    if (this.store.app(app.appId) === undefined) return { ...base, status: 'error-unknownApplication' };
    let group = this.store.groupForTrack(app.appId, app.track);
    if (group === undefined || app.machineId === '') {
      const status = group === undefined ? 'error-unknownGroup' : 'error-noMachineId';
      return { ...base, status: 'ok', ...(app.updateCheck ? { updateCheck: { status, urls: [] } } : {}) };
    }
    const previous = this.store.instance(app.appId, app.machineId);
    let instance: Instance = {
      appId: app.appId,
      machineId: app.machineId,
      groupId: group.id,
      version: app.version,
      status: previous?.status ?? InstanceStatus.Undefined,
      targetVersion: previous?.targetVersion ?? '',
      lastCheckMs: now,
      lastErrorCode: previous?.lastErrorCode ?? 0,
      bootId: app.bootId,
    };
    for (const event of app.events) {
      ops.push({
        kind: 'event',
        value: {
          atMs: now,
          appId: app.appId,
          machineId: app.machineId,
          groupId: group.id,
          type: event.type,
          result: event.result,
          errorCode: event.errorCode ?? 0,
          previousVersion: event.previousVersion ?? '',
          version: app.version,
        },
      });
      ({ instance, group } = applyEvent(instance, group, event));
    }
    let updateCheck: OmahaUpdateCheck | undefined;
    if (app.updateCheck) ({ instance, group, updateCheck } = this.updateCheck(instance, group, now));
    ops.push({ kind: 'instance', value: instance });
    if (group !== this.store.group(group.id)) ops.push({ kind: 'group', value: group });
    return { ...base, status: 'ok', ...(updateCheck === undefined ? {} : { updateCheck }) };
  }

  private updateCheck(instance: Instance, group: Group, now: number) {
    const noUpdate: OmahaUpdateCheck = { status: 'noupdate', urls: [] };
    const channel = this.store.channel(group.appId, group.channel);
    const pkg = channel === undefined ? undefined : this.store.package(channel.packageId);
    if (pkg === undefined) return { instance, group, updateCheck: noUpdate };
    const { decision, state } = decideUpdate(
      group.policy,
      group.rollout,
      { machineId: instance.machineId, currentVersion: instance.version, targetVersion: pkg.version },
      now,
    );
    const nextGroup = state === group.rollout ? group : { ...group, rollout: state };
    if (!decision.grant) {
      const onHold = decision.reason !== 'up-to-date' && instance.status !== InstanceStatus.Error;
      return {
        instance: onHold ? { ...instance, status: InstanceStatus.OnHold } : instance,
        group: nextGroup,
        updateCheck: noUpdate,
      };
    }
    const updateCheck: OmahaUpdateCheck = {
      status: 'ok',
      urls: [this.options.payloadBaseUrl],
      manifest: {
        version: pkg.version,
        packages: [{ name: pkg.fileName, sizeBytes: pkg.sizeBytes, required: true }],
        actions: [{ event: 'postinstall', sha256: pkg.sha256Base64, disablePayloadBackoff: true }],
      },
    };
    return {
      instance: { ...instance, status: InstanceStatus.UpdateGranted, targetVersion: pkg.version },
      group: nextGroup,
      updateCheck,
    };
  }
}

/** Instance status and rollout bookkeeping for one reported event. */
function applyEvent(
  instance: Instance,
  group: Group,
  event: { type: number; result: number; errorCode?: number; previousVersion?: string },
): { instance: Instance; group: Group } {
  const { type, result } = event;
  if (type === EventType.UpdateDownloadStarted && result === EventResult.Success) {
    return { instance: { ...instance, status: InstanceStatus.Downloading }, group };
  }
  if (type === EventType.UpdateDownloadFinished && result === EventResult.Success) {
    return { instance: { ...instance, status: InstanceStatus.Downloaded }, group };
  }
  if (type !== EventType.UpdateComplete) return { instance, group };
  if (result === EventResult.Success) return { instance: { ...instance, status: InstanceStatus.Installed }, group };
  if (result === EventResult.SuccessReboot) {
    const prev = event.previousVersion ?? '';
    // Nebraska: a 3/2 without a real previous version is a fresh boot, not an update
    if (prev === '' || prev === '0.0.0.0' || prev === instance.version) return { instance, group };
    const rollout = recordAttemptOutcome(group.policy, group.rollout, instance.machineId, instance.version, {
      kind: 'complete',
    });
    return {
      instance: { ...instance, status: InstanceStatus.Complete, lastErrorCode: 0 },
      group: { ...group, rollout },
    };
  }
  if (result === EventResult.Error) {
    const errorCode = event.errorCode ?? 1;
    const version = instance.targetVersion || group.rollout.version;
    const rollout = recordAttemptOutcome(group.policy, group.rollout, instance.machineId, version, {
      kind: 'failed',
      errorCode,
    });
    return {
      instance: { ...instance, status: InstanceStatus.Error, lastErrorCode: errorCode },
      group: { ...group, rollout },
    };
  }
  return { instance, group };
}
