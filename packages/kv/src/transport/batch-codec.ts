import { raftpb } from '@coreos-ts/proto';
import type { Entry, Message } from '@coreos-ts/raft';
import { bigVarintSize, varintSize, Writer } from '../wire/proto-writer.js';
import { snapshotFromWire, snapshotMetaToWire } from './raft-codec.js';

// raftpb.MessageBatch (proto/raft/raft.proto) written and read field by field, for the peer
// stream's hot path. The generated codec goes through bigint for every uint64 (index, term,
// commit) and encodes a leader's entries once per follower; here index and term stay numbers,
// only member IDs are bigint, and each entry is encoded once (cached by object: the raft log
// hands every follower the same Entry objects). The bytes are the generated codec's: a test
// checks both ways against it.

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

/** Encoded raftpb.Entry bodies, by the Entry object they were encoded from. */
const entryBodies = new WeakMap<Entry, Buffer>();

function entryBody(e: Entry): Buffer {
  const cached = entryBodies.get(e);
  if (cached) return cached;
  const size =
    (e.term !== 0 ? 1 + varintSize(e.term) : 0) +
    (e.index !== 0 ? 1 + varintSize(e.index) : 0) +
    (e.type !== 0 ? 1 + varintSize(e.type) : 0) +
    (e.data.length !== 0 ? 1 + varintSize(e.data.length) + e.data.length : 0);
  const w = new Writer(Buffer.allocUnsafe(size));
  if (e.term !== 0) w.numberField(1, e.term);
  if (e.index !== 0) w.numberField(2, e.index);
  if (e.type !== 0) w.numberField(3, e.type);
  if (e.data.length !== 0) w.bytesField(4, e.data);
  entryBodies.set(e, w.buf);
  return w.buf;
}

interface Sized {
  m: Message;
  entries: Buffer[];
  snapshot: Buffer | undefined;
  size: number;
}

function sizeMessage(m: Message): Sized {
  const entries = m.entries.map(entryBody);
  const snapshot = m.snapshot
    ? Buffer.from(raftpb.Snapshot.encode(snapshotMetaToWire(m.snapshot)).finish())
    : undefined;
  let size = 0;
  if (m.type !== 0) size += 1 + varintSize(m.type);
  if (m.to !== 0n) size += 1 + bigVarintSize(m.to);
  if (m.from !== 0n) size += 1 + bigVarintSize(m.from);
  if (m.term !== 0) size += 1 + varintSize(m.term);
  if (m.logTerm !== 0) size += 1 + varintSize(m.logTerm);
  if (m.index !== 0) size += 1 + varintSize(m.index);
  for (const e of entries) size += 1 + varintSize(e.length) + e.length;
  if (m.commit !== 0) size += 1 + varintSize(m.commit);
  if (snapshot) size += 1 + varintSize(snapshot.length) + snapshot.length;
  if (m.reject) size += 2;
  if (m.rejectHint !== 0) size += 1 + varintSize(m.rejectHint);
  if (m.context.length !== 0) size += 1 + varintSize(m.context.length) + m.context.length;
  return { m, entries, snapshot, size };
}

function writeMessage(w: Writer, s: Sized): void {
  const m = s.m;
  if (m.type !== 0) w.numberField(1, m.type);
  if (m.to !== 0n) w.bigField(2, m.to);
  if (m.from !== 0n) w.bigField(3, m.from);
  if (m.term !== 0) w.numberField(4, m.term);
  if (m.logTerm !== 0) w.numberField(5, m.logTerm);
  if (m.index !== 0) w.numberField(6, m.index);
  for (const e of s.entries) w.bytesField(7, e);
  if (m.commit !== 0) w.numberField(8, m.commit);
  if (s.snapshot) w.bytesField(9, s.snapshot);
  if (m.reject) w.numberField(10, 1);
  if (m.rejectHint !== 0) w.numberField(11, m.rejectHint);
  if (m.context.length !== 0) w.bytesField(12, m.context);
}

/** raftpb.MessageBatch bytes for raft's messages. */
export function encodeMessageBatch(clusterId: bigint, from: bigint, messages: readonly Message[]): Buffer {
  const sized = messages.map(sizeMessage);
  let size = 0;
  if (clusterId !== 0n) size += 1 + bigVarintSize(clusterId);
  if (from !== 0n) size += 1 + bigVarintSize(from);
  for (const s of sized) size += 1 + varintSize(s.size) + s.size;
  const w = new Writer(Buffer.allocUnsafe(size));
  if (clusterId !== 0n) w.bigField(1, clusterId);
  if (from !== 0n) w.bigField(2, from);
  for (const s of sized) {
    w.tag(3, WIRE_BYTES);
    w.varint(s.size);
    writeMessage(w, s);
  }
  if (w.pos !== size) throw new Error(`message batch: wrote ${w.pos} bytes, sized ${size}`);
  return w.buf;
}

/** A decoded MessageBatch: raft's own messages, ready to step. */
export interface DecodedBatch {
  clusterId: bigint;
  from: bigint;
  messages: Message[];
}

class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  private byte(): number {
    if (this.pos >= this.end) throw new RangeError('message batch: truncated');
    return this.buf[this.pos++] as number;
  }

  /** A varint as a number (exact up to 2^53: indexes, terms, sizes). */
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    throw new RangeError('message batch: varint too long');
  }

  bigVarint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new RangeError('message batch: varint too long');
  }

  /** A length-delimited field: [start, end) within the buffer. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    if (start + len > this.end) throw new RangeError('message batch: truncated');
    this.pos = start + len;
    return [start, start + len];
  }

  skip(wire: number): void {
    if (wire === WIRE_VARINT) this.varint();
    else if (wire === WIRE_BYTES) this.span();
    else if (wire === WIRE_FIXED64) this.pos += 8;
    else if (wire === WIRE_FIXED32) this.pos += 4;
    else throw new RangeError(`message batch: wire type ${wire}`);
    if (this.pos > this.end) throw new RangeError('message batch: truncated');
  }
}

const EMPTY = Buffer.alloc(0);

function readEntry(buf: Buffer, start: number, end: number): Entry {
  const r = new Reader(buf, start, end);
  const e: Entry = { term: 0, index: 0, type: 0, data: EMPTY };
  while (r.pos < end) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1) e.term = r.varint();
    else if (field === 2) e.index = r.varint();
    else if (field === 3) e.type = r.varint();
    else if (field === 4) {
      const [s, t] = r.span();
      // a copy: the entry outlives the received frame (raft's log keeps it)
      e.data = Buffer.from(buf.subarray(s, t));
    } else r.skip(tag & 7);
  }
  return e;
}

function readMessage(buf: Buffer, start: number, end: number): Message {
  const r = new Reader(buf, start, end);
  const m: Message = {
    type: 0,
    to: 0n,
    from: 0n,
    term: 0,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: EMPTY,
  };
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag >>> 3) {
      case 1:
        m.type = r.varint();
        break;
      case 2:
        m.to = r.bigVarint();
        break;
      case 3:
        m.from = r.bigVarint();
        break;
      case 4:
        m.term = r.varint();
        break;
      case 5:
        m.logTerm = r.varint();
        break;
      case 6:
        m.index = r.varint();
        break;
      case 7: {
        const [s, t] = r.span();
        m.entries.push(readEntry(buf, s, t));
        break;
      }
      case 8:
        m.commit = r.varint();
        break;
      case 9: {
        const [s, t] = r.span();
        m.snapshot = snapshotFromWire(raftpb.Snapshot.decode(buf.subarray(s, t)), EMPTY);
        break;
      }
      case 10:
        m.reject = r.varint() !== 0;
        break;
      case 11:
        m.rejectHint = r.varint();
        break;
      case 12: {
        const [s, t] = r.span();
        m.context = Buffer.from(buf.subarray(s, t));
        break;
      }
      default:
        r.skip(tag & 7);
    }
  }
  return m;
}

/** Reads raftpb.MessageBatch bytes; throws a RangeError on malformed input. */
export function decodeMessageBatch(buf: Buffer): DecodedBatch {
  const r = new Reader(buf, 0, buf.length);
  const out: DecodedBatch = { clusterId: 0n, from: 0n, messages: [] };
  while (r.pos < buf.length) {
    const tag = r.varint();
    const field = tag >>> 3;
    if (field === 1) out.clusterId = r.bigVarint();
    else if (field === 2) out.from = r.bigVarint();
    else if (field === 3) {
      const [s, t] = r.span();
      out.messages.push(readMessage(buf, s, t));
    } else r.skip(tag & 7);
  }
  return out;
}
