// The gRPC edge of update-engine: GetStatus, WatchStatus, AttemptUpdate, ResetStatus, GetBootInfo.
import { DomainError, type ServiceBinding, serverStream, unary } from '@coreos-ts/grpc-kit';
import { updateenginepb } from '@coreos-ts/proto';
import type { UntypedServiceImplementation } from '@grpc/grpc-js';
import { type StatusState, statusName } from '../core/update-status.js';
import type { UpdateEngine } from '../engine/update-engine.js';
import { errorCodeName } from '../omaha/omaha-codes.js';

export function toStatusResponse(s: StatusState, runningVersion: string): updateenginepb.StatusResponse {
  return {
    lastCheckedTimeMs: BigInt(s.lastCheckedTimeMs),
    progress: s.progress,
    currentOperation: s.status as number as updateenginepb.UpdateStatus,
    currentOperationName: statusName(s.status),
    newVersion: s.newVersion,
    newSize: BigInt(s.newSizeBytes),
    lastErrorCode: s.lastErrorCode,
    lastErrorCodeName: s.lastErrorCode === 0 ? '' : errorCodeName(s.lastErrorCode),
    lastError: s.lastError,
    runningVersion,
  };
}

export function updateEngineService(engine: UpdateEngine, bootControlKind: string): ServiceBinding {
  const status = () => toStatusResponse(engine.getStatus(), engine.getRunningVersion());
  const implementation: UntypedServiceImplementation = {
    getStatus: unary<updateenginepb.GetStatusRequest, updateenginepb.StatusResponse>(() => status()),
    watchStatus: serverStream<updateenginepb.WatchStatusRequest, updateenginepb.StatusResponse>(async (_req, call) => {
      // latest-wins: a slow reader skips intermediate updates, so the backlog is at most one
      let pending: updateenginepb.StatusResponse | null = null;
      let blocked = false;
      const send = (msg: updateenginepb.StatusResponse) => {
        if (blocked) {
          pending = msg;
          return;
        }
        blocked = !call.write(msg);
      };
      const onDrain = () => {
        blocked = false;
        const next = pending;
        pending = null;
        if (next !== null) send(next);
      };
      const onStatus = (s: StatusState) => send(toStatusResponse(s, engine.getRunningVersion()));
      call.on('drain', onDrain);
      engine.statusEvents.on('status', onStatus);
      send(status());
      await new Promise<void>((resolve) => {
        call.once('cancelled', resolve);
        call.once('close', resolve);
        call.once('error', resolve);
      });
      engine.statusEvents.off('status', onStatus);
      call.off('drain', onDrain);
    }),
    attemptUpdate: unary<updateenginepb.AttemptUpdateRequest, updateenginepb.AttemptUpdateResponse>((req) => {
      const { started } = engine.attemptUpdate(req.interactive);
      return { started, status: status() };
    }),
    resetStatus: unary<updateenginepb.ResetStatusRequest, updateenginepb.ResetStatusResponse>(() => {
      const r = engine.resetStatus();
      if (!r.ok) throw new DomainError('failed-precondition', r.reason);
      return { status: status() };
    }),
    getBootInfo: unary<updateenginepb.GetBootInfoRequest, updateenginepb.BootInfo>(async () => {
      const info = await engine.getBootInfo();
      return {
        bootedSlot: info.bootedSlot,
        runningVersion: info.runningVersion,
        pendingVersion: info.pendingVersion,
        bootControl: bootControlKind,
        slots: info.slots.map((s) => ({
          name: s.name,
          label: s.label,
          priority: s.attributes.priority,
          tries: s.attributes.tries,
          successful: s.attributes.successful,
          version: s.version,
          booted: s.booted,
        })),
      };
    }),
  };
  return {
    name: 'update.v1.UpdateEngine',
    definition: updateenginepb.UpdateEngineService as unknown as ServiceBinding['definition'],
    implementation,
  };
}
