// The gRPC edge of the admin API. AdminError codes map onto grpc-kit's DomainError kinds here,
// the one place they meet the wire.
import { DomainError, type ServiceBinding, serverStream, unary } from '@coreos-ts/grpc-kit';
import { updateserverpb } from '@coreos-ts/proto';
import type { ServerReadableStream, sendUnaryData, UntypedServiceImplementation } from '@grpc/grpc-js';
import { AdminError } from '../admin/admin-error.js';
import type { GroupProgress, UpdateAdmin } from '../admin/update-admin.js';
import type { RolloutPolicy } from '../core/rollout-policy.js';
import { type Group, type Instance, InstanceStatus, type PackageRecord } from '../model/entities.js';
import { StoreLimitError } from '../model/update-store.js';

function domain(err: unknown): unknown {
  if (err instanceof AdminError) return new DomainError(err.code, err.message);
  if (err instanceof StoreLimitError) return new DomainError('resource-exhausted', err.message);
  return err;
}

function guarded<Req, Res>(fn: (req: Req) => Promise<Res> | Res) {
  return unary<Req, Res>(async (req) => {
    try {
      return await fn(req);
    } catch (err) {
      throw domain(err);
    }
  });
}

export function policyToPb(p: RolloutPolicy): updateserverpb.RolloutPolicy {
  return {
    updatesEnabled: p.updatesEnabled,
    safeMode: p.safeMode,
    maxUpdatesPerPeriod: p.maxUpdatesPerPeriod,
    periodIntervalMs: BigInt(p.periodIntervalMs),
    officeHours: p.officeHours,
    timeZone: p.timeZone,
    updateTimeoutMs: BigInt(p.updateTimeoutMs),
    haltOnFailure: p.haltOnFailure,
  };
}

export function policyPatchFromPb(p: updateserverpb.RolloutPolicyPatch | undefined): Partial<RolloutPolicy> {
  if (p === undefined) return {};
  const out: { -readonly [K in keyof RolloutPolicy]?: RolloutPolicy[K] } = {};
  if (p.updatesEnabled !== undefined) out.updatesEnabled = p.updatesEnabled;
  if (p.safeMode !== undefined) out.safeMode = p.safeMode;
  if (p.maxUpdatesPerPeriod !== undefined) out.maxUpdatesPerPeriod = p.maxUpdatesPerPeriod;
  if (p.periodIntervalMs !== undefined) out.periodIntervalMs = Number(p.periodIntervalMs);
  if (p.officeHours !== undefined) out.officeHours = p.officeHours;
  if (p.timeZone !== undefined) out.timeZone = p.timeZone;
  if (p.updateTimeoutMs !== undefined) out.updateTimeoutMs = Number(p.updateTimeoutMs);
  if (p.haltOnFailure !== undefined) out.haltOnFailure = p.haltOnFailure;
  return out;
}

function progressToPb(p: GroupProgress): updateserverpb.RolloutProgress {
  return {
    groupId: p.groupId,
    version: p.version,
    instances: p.instances,
    onVersion: p.onVersion,
    complete: p.complete,
    inFlight: p.inFlight,
    succeeded: p.succeeded,
    failed: p.failed,
    timedOut: p.timedOut,
    paused: p.paused,
    halted: p.halted,
    haltReason: p.haltReason,
  };
}

function packageToPb(p: PackageRecord): updateserverpb.Package {
  return {
    id: p.id,
    appId: p.appId,
    version: p.version,
    fileName: p.fileName,
    size: BigInt(p.sizeBytes),
    sha256: p.sha256Base64,
    signature: p.signatureBase64,
    createdAtMs: BigInt(p.createdAtMs),
  };
}

function instanceToPb(i: Instance): updateserverpb.Instance {
  return {
    appId: i.appId,
    machineId: i.machineId,
    groupId: i.groupId,
    version: i.version,
    status: i.status,
    statusName: InstanceStatus[i.status] ?? 'Unknown',
    targetVersion: i.targetVersion,
    lastCheckMs: BigInt(i.lastCheckMs),
    lastErrorCode: i.lastErrorCode,
  };
}

export function updateAdminService(admin: UpdateAdmin): ServiceBinding {
  const store = admin.store;
  const groupToPb = (g: Group): updateserverpb.Group => ({
    id: g.id,
    appId: g.appId,
    name: g.name,
    track: g.track,
    channel: g.channel,
    policy: policyToPb(g.policy),
    progress: progressToPb(admin.groupProgress(g.id)),
  });
  const implementation: UntypedServiceImplementation = {
    createApplication: guarded(async (req: updateserverpb.CreateApplicationRequest) => {
      const a = await admin.createApplication(req.id, req.name);
      return { id: a.id, name: a.name, createdAtMs: BigInt(a.createdAtMs) };
    }),
    listApplications: guarded(() => ({
      applications: store.listApps().map((a) => ({ id: a.id, name: a.name, createdAtMs: BigInt(a.createdAtMs) })),
    })),
    uploadPackage: (
      call: ServerReadableStream<updateserverpb.UploadPackageRequest, updateserverpb.Package>,
      callback: sendUnaryData<updateserverpb.Package>,
    ) => {
      const run = async () => {
        const it = (call as AsyncIterable<updateserverpb.UploadPackageRequest>)[Symbol.asyncIterator]();
        const first = await it.next();
        if (first.done === true) throw new AdminError('invalid-argument', 'empty upload');
        const { appId, version } = first.value;
        async function* chunks(): AsyncGenerator<Buffer> {
          if (first.value !== undefined && first.value.chunk.length > 0) yield first.value.chunk;
          for (;;) {
            const next = await it.next();
            if (next.done === true) return;
            if (next.value.chunk.length > 0) yield next.value.chunk;
          }
        }
        return packageToPb(await admin.addPackage(appId, version, chunks()));
      };
      run().then(
        (pkg) => callback(null, pkg),
        (err: unknown) => callback(domain(err) as Error),
      );
    },
    listPackages: guarded((req: updateserverpb.ListPackagesRequest) => ({
      packages: store.listPackages(req.appId === '' ? undefined : req.appId).map(packageToPb),
    })),
    setChannel: guarded(async (req: updateserverpb.SetChannelRequest) => {
      const c = await admin.setChannel(req.appId, req.name, req.version);
      return {
        appId: c.appId,
        name: c.name,
        packageId: c.packageId,
        version: store.package(c.packageId)?.version ?? '',
      };
    }),
    listChannels: guarded((req: updateserverpb.ListChannelsRequest) => ({
      channels: store.listChannels(req.appId === '' ? undefined : req.appId).map((c) => ({
        appId: c.appId,
        name: c.name,
        packageId: c.packageId,
        version: store.package(c.packageId)?.version ?? '',
      })),
    })),
    createGroup: guarded(async (req: updateserverpb.CreateGroupRequest) =>
      groupToPb(
        await admin.createGroup({
          appId: req.appId,
          name: req.name,
          track: req.track,
          channel: req.channel,
          policy: policyPatchFromPb(req.policy),
        }),
      ),
    ),
    updateGroup: guarded(async (req: updateserverpb.UpdateGroupRequest) =>
      groupToPb(await admin.updateGroup(req.group, { channel: req.channel, policy: policyPatchFromPb(req.policy) })),
    ),
    listGroups: guarded((req: updateserverpb.ListGroupsRequest) => ({
      groups: store.listGroups(req.appId === '' ? undefined : req.appId).map(groupToPb),
    })),
    pauseGroup: guarded(async (req: updateserverpb.GroupRef) => groupToPb(await admin.setGroupPaused(req.group, true))),
    resumeGroup: guarded(async (req: updateserverpb.GroupRef) =>
      groupToPb(await admin.setGroupPaused(req.group, false)),
    ),
    listInstances: guarded((req: updateserverpb.ListInstancesRequest) => ({
      instances: admin.listInstances({ appId: req.appId, groupId: req.group }).map(instanceToPb),
    })),
    listEvents: guarded(async (req: updateserverpb.ListEventsRequest) => {
      const groupId = req.group === '' ? undefined : admin.requireGroup(req.group).id;
      const events = await store.listEvents({
        limit: Math.min(req.limit || 100, 10_000),
        ...(req.machineId === '' ? {} : { machineId: req.machineId }),
        ...(groupId === undefined ? {} : { groupId }),
      });
      return {
        events: events.map((e) => ({
          seq: BigInt(e.seq),
          atMs: BigInt(e.atMs),
          machineId: e.machineId,
          groupId: e.groupId,
          type: e.type,
          result: e.result,
          errorCode: e.errorCode,
          previousVersion: e.previousVersion,
          version: e.version,
        })),
      };
    }),
    watchRollout: serverStream<updateserverpb.GroupRef, updateserverpb.RolloutProgress>(async (req, call) => {
      const ac = new AbortController();
      call.once('cancelled', () => ac.abort());
      call.once('close', () => ac.abort());
      try {
        for await (const p of admin.watchGroup(req.group, ac.signal)) {
          if (!call.write(progressToPb(p))) {
            await new Promise((resolve) => {
              call.once('drain', resolve);
              ac.signal.addEventListener('abort', resolve, { once: true });
            });
          }
        }
      } catch (err) {
        throw domain(err);
      }
    }),
  };
  return {
    name: 'update.v1.UpdateAdmin',
    definition: updateserverpb.UpdateAdminService as unknown as ServiceBinding['definition'],
    implementation,
  };
}
