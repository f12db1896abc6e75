/**
 * The JSON values stored under the registry's keys, with decoders that check what they read
 * back: a value that does not decode is reported (undefined) rather than trusted.
 */
import { isUnitState, type UnitState } from '../unit/states.js';

export interface UnitRecord {
  readonly name: string;
  /** The unit file as submitted (fleetctl cat prints it). */
  readonly text: string;
  /** unitHash of the parsed file. */
  readonly hash: string;
}

export interface MachineRecord {
  readonly id: string;
  readonly publicIp: string;
  /** Configured metadata (dynamic metadata lives under machine-settings and is merged over it). */
  readonly metadata: Readonly<Record<string, string>>;
  /** host:port of this machine's fleetd gRPC API (journals are read there); empty if none. */
  readonly apiAddress: string;
}

export interface UnitStateRecord {
  readonly hash: string;
  readonly load: string;
  readonly active: string;
  readonly sub: string;
  /** The agent started the unit (fleet's job-state heartbeat: current state `launched`). */
  readonly launched: boolean;
  readonly pid?: number;
  readonly containerId?: string;
  readonly exitCode?: number;
  readonly message?: string;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.values(value as object).every((v) => typeof v === 'string')
  );
}

export function encodeRecord(record: UnitRecord | MachineRecord | UnitStateRecord): string {
  return JSON.stringify(record);
}

export function decodeUnitRecord(text: string): UnitRecord | undefined {
  const o = parseObject(text);
  if (!o || typeof o.name !== 'string' || typeof o.text !== 'string' || typeof o.hash !== 'string') return undefined;
  return { name: o.name, text: o.text, hash: o.hash };
}

export function decodeMachineRecord(text: string): MachineRecord | undefined {
  const o = parseObject(text);
  if (!o || typeof o.id !== 'string' || typeof o.publicIp !== 'string' || !isStringRecord(o.metadata)) return undefined;
  return {
    id: o.id,
    publicIp: o.publicIp,
    metadata: o.metadata,
    apiAddress: typeof o.apiAddress === 'string' ? o.apiAddress : '',
  };
}

export function decodeUnitStateRecord(text: string): UnitStateRecord | undefined {
  const o = parseObject(text);
  if (!o || typeof o.hash !== 'string' || typeof o.load !== 'string') return undefined;
  if (typeof o.active !== 'string' || typeof o.sub !== 'string') return undefined;
  return {
    hash: o.hash,
    load: o.load,
    active: o.active,
    sub: o.sub,
    launched: o.launched === true,
    ...(typeof o.pid === 'number' ? { pid: o.pid } : {}),
    ...(typeof o.containerId === 'string' ? { containerId: o.containerId } : {}),
    ...(typeof o.exitCode === 'number' ? { exitCode: o.exitCode } : {}),
    ...(typeof o.message === 'string' ? { message: o.message } : {}),
  };
}

export function decodeDesiredState(text: string): UnitState | undefined {
  return isUnitState(text) ? text : undefined;
}

export function decodeMetadata(text: string): Record<string, string> | undefined {
  const o = parseObject(text);
  return o && isStringRecord(o) ? o : undefined;
}
