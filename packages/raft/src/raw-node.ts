import assert from 'node:assert';
import {
  type ConfChange,
  ConfChangeType,
  type ConfChangeV2,
  encodeConfChange,
  encodeConfChangeV2,
  isConfChangeV2,
} from './confchange/conf-change.js';
import type { Config } from './config.js';
import { RaftError } from './errors.js';
import { applyConfChange } from './membership.js';
import { Raft } from './raft.js';
import { type Status, statusOf } from './status.js';
import type { Storage } from './storage.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  type HardState,
  isLocalMessage,
  isResponseMessage,
  type Message,
  MessageType,
  type NodeId,
  None,
  newMessage,
  type Ready,
  type SoftState,
  StateType,
} from './types.js';

/** A member of the initial configuration given to bootstrap(). */
export interface Peer {
  id: NodeId;
  context?: Uint8Array;
}

/**
 * The application's handle on one Raft node: a synchronous, single-threaded state
 * machine. Feed it tick() and step(); drain ready(), persist, send, apply, advance().
 */
export class RawNode {
  /** The underlying state machine; for tests and status, not for driving the node. */
  readonly raft: Raft;
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private readyPending = false;

  /** Starts (or restarts) a node from whatever `storage` holds. */
  constructor(config: Config, storage: Storage) {
    this.raft = new Raft(config, storage);
    this.prevSoftState = { lead: this.raft.lead, raftState: this.raft.state };
    this.prevHardState = this.raft.hardState();
  }

  /**
   * Initializes an empty Storage-backed node as a member of a new cluster of `peers`: the
   * first Ready carries one committed AddNode conf change entry per peer.
   */
  bootstrap(peers: readonly (NodeId | Peer)[]): void {
    const r = this.raft;
    if (peers.length === 0) throw new RaftError('NotBootstrappable', 'must provide at least one peer');
    if (r.raftLog.lastIndex() !== 0) throw new RaftError('NotBootstrappable', "can't bootstrap a nonempty Storage");
    this.prevHardState = { term: 0, vote: None, commit: 0 };
    r.becomeFollower(1, None);
    const ccs: ConfChange[] = peers.map((p) =>
      typeof p === 'bigint'
        ? { type: ConfChangeType.AddNode, nodeId: p, context: new Uint8Array(0) }
        : { type: ConfChangeType.AddNode, nodeId: p.id, context: p.context ?? new Uint8Array(0) },
    );
    const ents: Entry[] = ccs.map((cc, i) => ({
      term: 1,
      index: i + 1,
      type: EntryType.ConfChange,
      data: encodeConfChange(cc),
    }));
    r.raftLog.append(ents);
    r.raftLog.committed = ents.length;
    for (const cc of ccs) applyConfChange(r, cc);
  }

  /** Advances the logical clock by one tick (election and heartbeat timeouts count ticks). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election (a pre-election first when preVote is on). */
  campaign(): void {
    this.raft.step(newMessage({ type: MessageType.MsgHup }));
  }

  /** Proposes data to be appended; throws RaftError('ProposalDropped') with a reason. */
  propose(data: Uint8Array): void {
    this.raft.step(
      newMessage({
        type: MessageType.MsgProp,
        from: this.raft.id,
        entries: [{ term: 0, index: 0, type: EntryType.Normal, data }],
      }),
    );
  }

  /** Proposes several entries in one message (one append, one broadcast); all or none are accepted. */
  proposeBatch(datas: readonly Uint8Array[]): void {
    if (datas.length === 0) return;
    this.raft.step(
      newMessage({
        type: MessageType.MsgProp,
        from: this.raft.id,
        entries: datas.map((data) => ({ term: 0, index: 0, type: EntryType.Normal, data })),
      }),
    );
  }

  /** Proposes a membership change; it takes effect when the application applies it. */
  proposeConfChange(cc: ConfChange | ConfChangeV2): void {
    const entry: Entry = isConfChangeV2(cc)
      ? { term: 0, index: 0, type: EntryType.ConfChangeV2, data: encodeConfChangeV2(cc) }
      : { term: 0, index: 0, type: EntryType.ConfChange, data: encodeConfChange(cc) };
    this.raft.step(newMessage({ type: MessageType.MsgProp, from: this.raft.id, entries: [entry] }));
  }

  /** Applies a committed conf change entry's change; returns the new configuration. */
  applyConfChange(cc: ConfChange | ConfChangeV2): ConfState {
    return applyConfChange(this.raft, cc);
  }

  /** Steps a message received from a peer. */
  step(m: Message): void {
    if (isLocalMessage(m.type)) throw new RaftError('StepLocalMsg', MessageType[m.type]);
    if (isResponseMessage(m.type) && !this.raft.prs.progress.has(m.from)) {
      throw new RaftError('StepPeerNotFound', `from ${m.from}`);
    }
    this.raft.step(m);
  }

  /** Requests a linearizable read point; answered in Ready.readStates with the same context. */
  readIndex(ctx: Uint8Array): void {
    if (this.raft.lead === None) throw new RaftError('ReadIndexDropped', undefined, 'no-leader');
    this.raft.step(
      newMessage({
        type: MessageType.MsgReadIndex,
        entries: [{ term: 0, index: 0, type: EntryType.Normal, data: ctx }],
      }),
    );
  }

  /** Asks the leader to hand leadership to `transferee`. */
  transferLeader(transferee: NodeId): void {
    this.raft.step(newMessage({ type: MessageType.MsgTransferLeader, from: transferee }));
  }

  /** Forgets the current leader (a follower then accepts a new one before its timeout). */
  forgetLeader(): void {
    this.raft.step(newMessage({ type: MessageType.MsgForgetLeader }));
  }

  /** The transport failed to deliver to `id`: stop optimistic replication to it. */
  reportUnreachable(id: NodeId): void {
    this.raft.step(newMessage({ type: MessageType.MsgUnreachable, from: id }));
  }

  /** The outcome of sending a MsgSnap to `id`. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step(newMessage({ type: MessageType.MsgSnapStatus, from: id, reject: !ok }));
  }

  hasReady(): boolean {
    const r = this.raft;
    if (r.msgs.length > 0 || r.readStates.length > 0) return true;
    if (r.raftLog.unstable.entries.length > 0 || r.raftLog.hasPendingSnapshot()) return true;
    if (r.raftLog.hasNextCommittedEntries()) return true;
    if (r.lead !== this.prevSoftState.lead || r.state !== this.prevSoftState.raftState) return true;
    return !hardStateEqual(r.hardState(), this.prevHardState);
  }

  /** Everything to persist, send and apply now. Must be followed by advance() before the next ready(). */
  ready(): Ready {
    assert(!this.readyPending, 'ready() called again before advance()');
    const r = this.raft;
    const rd: Ready = {
      readStates: r.readStates,
      entries: r.raftLog.unstableEntries(),
      committedEntries: r.raftLog.nextCommittedEntries(),
      messages: r.msgs,
      mustSync: false,
    };
    r.msgs = [];
    r.readStates = [];
    if (r.lead !== this.prevSoftState.lead || r.state !== this.prevSoftState.raftState) {
      rd.softState = { lead: r.lead, raftState: r.state };
      this.prevSoftState = rd.softState;
    }
    const hs = r.hardState();
    if (!hardStateEqual(hs, this.prevHardState)) {
      rd.hardState = hs;
      rd.mustSync = hs.term !== this.prevHardState.term || hs.vote !== this.prevHardState.vote;
      this.prevHardState = hs;
    }
    const snap = r.raftLog.unstable.snapshot;
    if (snap !== undefined) rd.snapshot = snap;
    rd.mustSync = rd.mustSync || rd.entries.length > 0 || snap !== undefined;
    this.readyPending = true;
    return rd;
  }

  /**
   * Tells the node that everything in `rd` was persisted, sent and applied. The leader
   * counts its own entries towards commit only now, once they are durable.
   */
  advance(rd: Ready): void {
    this.readyPending = false;
    const r = this.raft;
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) {
      r.raftLog.stableTo(last.index, last.term);
      if (r.state === StateType.Leader && r.raftLog.matchTerm(last.index, last.term)) {
        r.step(newMessage({ type: MessageType.MsgAppResp, from: r.id, to: r.id, term: r.term, index: last.index }));
      }
    }
    if (rd.snapshot !== undefined) {
      const si = rd.snapshot.metadata.index;
      r.raftLog.stableSnapTo(si);
      // The application installed the snapshot: its state is applied up to the snapshot index.
      if (si > r.raftLog.applied && si <= r.raftLog.committed) r.raftLog.appliedTo(si);
    }
    const applied = rd.committedEntries[rd.committedEntries.length - 1];
    if (applied !== undefined) r.appliedTo(applied.index, rd.committedEntries);
  }

  status(): Status {
    return statusOf(this.raft);
  }
}

function hardStateEqual(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
