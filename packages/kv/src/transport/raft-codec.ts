import type { raftpb } from '@coreos-ts/proto';
import type { ConfState, Entry, Message, Snapshot } from '@coreos-ts/raft';

// @coreos-ts/raft speaks numbers for index and term; the wire carries uint64. Member IDs are
// bigint on both sides. These are the only places the two meet.

const EMPTY = Buffer.alloc(0);

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function entryToWire(e: Entry): raftpb.Entry {
  return { term: BigInt(e.term), index: BigInt(e.index), type: e.type as number, data: toBuffer(e.data) };
}

export function entryFromWire(e: raftpb.Entry): Entry {
  return { term: Number(e.term), index: Number(e.index), type: e.type as number, data: e.data };
}

export function confStateToWire(cs: ConfState): raftpb.ConfState {
  return {
    voters: cs.voters,
    learners: cs.learners,
    votersOutgoing: cs.votersOutgoing,
    learnersNext: cs.learnersNext,
    autoLeave: cs.autoLeave,
  };
}

export function confStateFromWire(cs: raftpb.ConfState | undefined): ConfState {
  return {
    voters: cs?.voters ?? [],
    learners: cs?.learners ?? [],
    votersOutgoing: cs?.votersOutgoing ?? [],
    learnersNext: cs?.learnersNext ?? [],
    autoLeave: cs?.autoLeave ?? false,
  };
}

/** A snapshot's metadata only: the data travels separately, in chunks. */
export function snapshotMetaToWire(s: Snapshot): raftpb.Snapshot {
  return {
    data: EMPTY,
    metadata: {
      confState: confStateToWire(s.metadata.confState),
      index: BigInt(s.metadata.index),
      term: BigInt(s.metadata.term),
    },
  };
}

export function snapshotFromWire(s: raftpb.Snapshot, data: Uint8Array): Snapshot {
  return {
    data,
    metadata: {
      index: Number(s.metadata?.index ?? 0n),
      term: Number(s.metadata?.term ?? 0n),
      confState: confStateFromWire(s.metadata?.confState),
    },
  };
}

export function messageToWire(m: Message): raftpb.Message {
  const wire: raftpb.Message = {
    type: m.type as number,
    to: m.to,
    from: m.from,
    term: BigInt(m.term),
    logTerm: BigInt(m.logTerm),
    index: BigInt(m.index),
    entries: m.entries.map(entryToWire),
    commit: BigInt(m.commit),
    snapshot: undefined,
    reject: m.reject,
    rejectHint: BigInt(m.rejectHint),
    context: toBuffer(m.context),
  };
  if (m.snapshot) wire.snapshot = snapshotMetaToWire(m.snapshot);
  return wire;
}

/** `snapshotData` is the reassembled snapshot, for a MsgSnap that came over SendSnapshot. */
export function messageFromWire(w: raftpb.Message, snapshotData?: Uint8Array): Message {
  const m: Message = {
    type: w.type,
    to: w.to,
    from: w.from,
    term: Number(w.term),
    logTerm: Number(w.logTerm),
    index: Number(w.index),
    entries: w.entries.map(entryFromWire),
    commit: Number(w.commit),
    reject: w.reject,
    rejectHint: Number(w.rejectHint),
    context: w.context,
  };
  if (w.snapshot) m.snapshot = snapshotFromWire(w.snapshot, snapshotData ?? EMPTY);
  return m;
}
