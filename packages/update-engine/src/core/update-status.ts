// update_engine's status machine as a pure transition function. Statuses and their numbers
// are update_engine's (UPDATE_STATUS_*, 0..7); unlike update_engine we do set VERIFYING.

export enum UpdateStatus {
  IDLE = 0,
  CHECKING_FOR_UPDATE = 1,
  UPDATE_AVAILABLE = 2,
  DOWNLOADING = 3,
  VERIFYING = 4,
  FINALIZING = 5,
  UPDATED_NEED_REBOOT = 6,
  REPORTING_ERROR_EVENT = 7,
}

export function statusName(status: UpdateStatus): string {
  const name = UpdateStatus[status];
  return name === undefined ? 'unknown status' : `UPDATE_STATUS_${name}`;
}

export interface StatusState {
  readonly status: UpdateStatus;
  /** 0..1 while downloading, 1 once downloaded, 0 otherwise. */
  readonly progress: number;
  readonly newVersion: string;
  readonly newSizeBytes: number;
  readonly lastCheckedTimeMs: number;
  /** Set on entering REPORTING_ERROR_EVENT; kept until the next check so a client can read it. */
  readonly lastErrorCode: number;
  readonly lastError: string;
}

export type StatusEvent =
  | { readonly type: 'check' }
  | { readonly type: 'no-update' }
  | { readonly type: 'update-available'; readonly version: string; readonly sizeBytes: number }
  | { readonly type: 'download-progress'; readonly bytes: number }
  | { readonly type: 'downloaded' }
  | { readonly type: 'verified' }
  | { readonly type: 'finalized' }
  | { readonly type: 'failed'; readonly errorCode: number; readonly message: string }
  | { readonly type: 'error-reported' }
  | { readonly type: 'reset' };

export type TransitionResult =
  | { readonly ok: true; readonly state: StatusState }
  | { readonly ok: false; readonly reason: string };

export function initialStatusState(updatedNeedReboot = false): StatusState {
  return {
    status: updatedNeedReboot ? UpdateStatus.UPDATED_NEED_REBOOT : UpdateStatus.IDLE,
    progress: 0,
    newVersion: '',
    newSizeBytes: 0,
    lastCheckedTimeMs: 0,
    lastErrorCode: 0,
    lastError: '',
  };
}

const busy = new Set([
  UpdateStatus.CHECKING_FOR_UPDATE,
  UpdateStatus.UPDATE_AVAILABLE,
  UpdateStatus.DOWNLOADING,
  UpdateStatus.VERIFYING,
  UpdateStatus.FINALIZING,
]);

/** True while an update attempt is running (a new check is refused). */
export function isBusy(status: UpdateStatus): boolean {
  return busy.has(status) || status === UpdateStatus.REPORTING_ERROR_EVENT;
}

function refuse(state: StatusState, event: StatusEvent): TransitionResult {
  return { ok: false, reason: `cannot apply ${event.type} in ${statusName(state.status)}` };
}

export function transitionStatus(state: StatusState, event: StatusEvent, nowMs: number): TransitionResult {
  const s = state.status;
  const to = (next: Partial<StatusState>): TransitionResult => ({ ok: true, state: { ...state, ...next } });
  switch (event.type) {
    case 'check':
      if (s !== UpdateStatus.IDLE) return refuse(state, event);
      return to({
        status: UpdateStatus.CHECKING_FOR_UPDATE,
        lastCheckedTimeMs: nowMs,
        progress: 0,
        newVersion: '',
        newSizeBytes: 0,
        lastErrorCode: 0,
        lastError: '',
      });
    case 'no-update':
      if (s !== UpdateStatus.CHECKING_FOR_UPDATE) return refuse(state, event);
      return to({ status: UpdateStatus.IDLE });
    case 'update-available':
      if (s !== UpdateStatus.CHECKING_FOR_UPDATE) return refuse(state, event);
      return to({ status: UpdateStatus.UPDATE_AVAILABLE, newVersion: event.version, newSizeBytes: event.sizeBytes });
    case 'download-progress': {
      if (s !== UpdateStatus.UPDATE_AVAILABLE && s !== UpdateStatus.DOWNLOADING) return refuse(state, event);
      const total = state.newSizeBytes;
      const progress = total > 0 ? Math.min(1, Math.max(0, event.bytes / total)) : 0;
      return to({ status: UpdateStatus.DOWNLOADING, progress });
    }
    case 'downloaded':
      if (s !== UpdateStatus.UPDATE_AVAILABLE && s !== UpdateStatus.DOWNLOADING) return refuse(state, event);
      return to({ status: UpdateStatus.VERIFYING, progress: 1 });
    case 'verified':
      if (s !== UpdateStatus.VERIFYING) return refuse(state, event);
      return to({ status: UpdateStatus.FINALIZING });
    case 'finalized':
      if (s !== UpdateStatus.FINALIZING) return refuse(state, event);
      return to({ status: UpdateStatus.UPDATED_NEED_REBOOT });
    case 'failed':
      if (!busy.has(s)) return refuse(state, event);
      return to({
        status: UpdateStatus.REPORTING_ERROR_EVENT,
        lastErrorCode: event.errorCode,
        lastError: event.message,
      });
    case 'error-reported':
      if (s !== UpdateStatus.REPORTING_ERROR_EVENT) return refuse(state, event);
      return to({ status: UpdateStatus.IDLE, progress: 0 });
    case 'reset':
      // update_engine: ResetStatus is allowed from IDLE (no-op) and UPDATED_NEED_REBOOT only.
      if (s === UpdateStatus.IDLE) return to({});
      if (s !== UpdateStatus.UPDATED_NEED_REBOOT) return refuse(state, event);
      return to({ status: UpdateStatus.IDLE, progress: 0, newVersion: '', newSizeBytes: 0 });
  }
}
