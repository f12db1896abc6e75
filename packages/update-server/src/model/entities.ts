// Nebraska's model: applications, packages, channels, groups (with rollout policy), instances and
// their event history.
import type { RolloutPolicy, RolloutState } from '../core/rollout-policy.js';

/** Flatcar's application id: the default application. */
export const DEFAULT_APP_ID = '{e96281a6-d1af-4bde-9a0a-97b76e56dc57}';

export interface Application {
  readonly id: string;
  readonly name: string;
  readonly createdAtMs: number;
}

export interface PackageRecord {
  readonly id: string;
  readonly appId: string;
  readonly version: string;
  /** File name under the payload directory and in the download URL. */
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256Base64: string;
  readonly signatureBase64: string;
  readonly createdAtMs: number;
}

export interface Channel {
  readonly appId: string;
  readonly name: string;
  /** Package the channel points at, or '' for none. */
  readonly packageId: string;
}

export interface Group {
  readonly id: string;
  readonly appId: string;
  readonly name: string;
  /** The Omaha `track` (update.conf GROUP) that selects this group. */
  readonly track: string;
  readonly channel: string;
  readonly policy: RolloutPolicy;
  readonly rollout: RolloutState;
  readonly createdAtMs: number;
}

/** Nebraska's instance statuses (types/instance.go). */
export enum InstanceStatus {
  Undefined = 1,
  UpdateGranted = 2,
  Error = 3,
  Complete = 4,
  Installed = 5,
  Downloaded = 6,
  Downloading = 7,
  OnHold = 8,
}

export interface Instance {
  readonly appId: string;
  readonly machineId: string;
  readonly groupId: string;
  readonly version: string;
  readonly status: InstanceStatus;
  /** The version this instance was last granted. */
  readonly targetVersion: string;
  readonly lastCheckMs: number;
  readonly lastErrorCode: number;
  readonly bootId: string;
}

export interface InstanceEvent {
  readonly seq: number;
  readonly atMs: number;
  readonly appId: string;
  readonly machineId: string;
  readonly groupId: string;
  readonly type: number;
  readonly result: number;
  readonly errorCode: number;
  readonly previousVersion: string;
  /** The version the instance ran when it sent the event. */
  readonly version: string;
}
