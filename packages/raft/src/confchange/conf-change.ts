import { RaftError } from '../errors.js';
import type { NodeId } from '../types.js';

export enum ConfChangeType {
  AddNode = 0,
  RemoveNode = 1,
  UpdateNode = 2,
  AddLearnerNode = 3,
}

export enum ConfChangeTransition {
  /** Simple change if possible, otherwise a joint config left automatically. */
  Auto = 0,
  /** Always joint, left automatically. */
  JointImplicit = 1,
  /** Always joint, left by an explicit empty ConfChangeV2. */
  JointExplicit = 2,
}

/** A single-node membership change (etcd's ConfChange). */
export interface ConfChange {
  type: ConfChangeType;
  nodeId: NodeId;
  context: Uint8Array;
}

export interface ConfChangeSingle {
  type: ConfChangeType;
  nodeId: NodeId;
}

/** A (possibly multi-node, possibly joint) membership change; empty `changes` leaves a joint config. */
export interface ConfChangeV2 {
  transition: ConfChangeTransition;
  changes: ConfChangeSingle[];
  context: Uint8Array;
}

export function isConfChangeV2(cc: ConfChange | ConfChangeV2): cc is ConfChangeV2 {
  return 'changes' in cc;
}

export function toConfChangeV2(cc: ConfChange | ConfChangeV2): ConfChangeV2 {
  if (isConfChangeV2(cc)) return cc;
  return {
    transition: ConfChangeTransition.Auto,
    changes: [{ type: cc.type, nodeId: cc.nodeId }],
    context: cc.context,
  };
}

/** Whether the change enters a joint config, and if so whether it leaves automatically. */
export function enterJoint(cc: ConfChangeV2): { joint: boolean; autoLeave: boolean } {
  if (cc.transition !== ConfChangeTransition.Auto || cc.changes.length > 1) {
    return { joint: true, autoLeave: cc.transition !== ConfChangeTransition.JointExplicit };
  }
  return { joint: false, autoLeave: false };
}

/** An empty ConfChangeV2 (context aside) leaves the joint config. */
export function leaveJoint(cc: ConfChangeV2): boolean {
  return cc.transition === ConfChangeTransition.Auto && cc.changes.length === 0;
}

// Entry data encoding: byte 0 = format version (1), byte 1 = kind (1 = ConfChange,
// 2 = ConfChangeV2), then big-endian fields. Empty data decodes to the empty
// ConfChangeV2 (the auto-leave proposal).
const version = 1;
const kindV1 = 1;
const kindV2 = 2;

function invalid(msg: string): never {
  throw new RaftError('InvalidConfChange', msg);
}

function checkType(t: number): ConfChangeType {
  if (t < 0 || t > 3) invalid(`unknown change type ${t}`);
  return t as ConfChangeType;
}

export function encodeConfChange(cc: ConfChange): Uint8Array {
  const buf = new Uint8Array(2 + 1 + 8 + 4 + cc.context.byteLength);
  const dv = new DataView(buf.buffer);
  buf[0] = version;
  buf[1] = kindV1;
  buf[2] = cc.type;
  dv.setBigUint64(3, cc.nodeId);
  dv.setUint32(11, cc.context.byteLength);
  buf.set(cc.context, 15);
  return buf;
}

export function encodeConfChangeV2(cc: ConfChangeV2): Uint8Array {
  const buf = new Uint8Array(2 + 1 + 4 + cc.changes.length * 9 + 4 + cc.context.byteLength);
  const dv = new DataView(buf.buffer);
  buf[0] = version;
  buf[1] = kindV2;
  buf[2] = cc.transition;
  dv.setUint32(3, cc.changes.length);
  let off = 7;
  for (const c of cc.changes) {
    buf[off] = c.type;
    dv.setBigUint64(off + 1, c.nodeId);
    off += 9;
  }
  dv.setUint32(off, cc.context.byteLength);
  buf.set(cc.context, off + 4);
  return buf;
}

function header(data: Uint8Array, kind: number): DataView {
  if (data.byteLength < 2 || data[0] !== version) invalid(`unsupported encoding version ${data[0]}`);
  if (data[1] !== kind) invalid(`expected kind ${kind}, got ${data[1]}`);
  return new DataView(data.buffer, data.byteOffset, data.byteLength);
}

function readContext(data: Uint8Array, dv: DataView, off: number): Uint8Array {
  if (off + 4 > data.byteLength) invalid('truncated context length');
  const n = dv.getUint32(off);
  if (off + 4 + n !== data.byteLength) invalid('context length does not match data');
  return data.slice(off + 4, off + 4 + n);
}

export function decodeConfChange(data: Uint8Array): ConfChange {
  const dv = header(data, kindV1);
  if (data.byteLength < 15) invalid('truncated ConfChange');
  return { type: checkType(data[2]!), nodeId: dv.getBigUint64(3), context: readContext(data, dv, 11) };
}

export function decodeConfChangeV2(data: Uint8Array): ConfChangeV2 {
  if (data.byteLength === 0) return { transition: ConfChangeTransition.Auto, changes: [], context: new Uint8Array(0) };
  const dv = header(data, kindV2);
  if (data.byteLength < 7) invalid('truncated ConfChangeV2');
  const transition = data[2]!;
  if (transition > 2) invalid(`unknown transition ${transition}`);
  const n = dv.getUint32(3);
  if (7 + n * 9 + 4 > data.byteLength) invalid('truncated ConfChangeV2 changes');
  const changes: ConfChangeSingle[] = [];
  let off = 7;
  for (let i = 0; i < n; i++) {
    changes.push({ type: checkType(data[off]!), nodeId: dv.getBigUint64(off + 1) });
    off += 9;
  }
  return { transition: transition as ConfChangeTransition, changes, context: readContext(data, dv, off) };
}
