import type { Logger } from '@coreos-ts/grpc-kit';
import {
  type Entry,
  EntryType,
  type HardState,
  isEmptySnapshot,
  type MemoryStorage,
  type Message,
  type RawNode,
  type ReadState,
  type Ready,
  type Snapshot,
  type SoftState,
  StateType,
} from '@coreos-ts/raft';
import type { Transport } from '../transport/transport.js';
import type { Wal } from '../wal/wal-types.js';
import { ApplyQueue } from './apply-queue.js';

/** What the node hands the application: committed work to apply, in order. */
export interface Applier {
  /** Installs a snapshot received from the leader (the whole store), before any later entry. */
  applySnapshot(snapshot: Snapshot): Promise<void>;
  /** Applies committed entries; resolves when their effects are durable. */
  applyEntries(entries: readonly Entry[]): Promise<void>;
}

export interface RaftNodeOptions {
  node: RawNode;
  storage: MemoryStorage;
  wal: Wal;
  transport: Transport;
  applier: Applier;
  log: Logger;
  tickMs: number;
  onSoftState(state: SoftState): void;
  onReadStates(states: readonly ReadState[]): void;
  /** Called after each apply round with the last applied index (snapshot triggering). */
  onApplied(index: number): Promise<void>;
  /** A fsync slower than this is logged at warn. */
  slowSyncWarnMs: number;
  /** Apply rounds queued beside the Ready loop before the loop waits for them (default 8). */
  applyRoundsMax?: number;
  /** Proposals stepped into raft as one MsgProp at most (default 1024). */
  proposalBatchMax?: number;
}

/** A proposal waiting for the next Ready; `onDropped` is told if raft refuses it. */
interface QueuedProposal {
  data: Uint8Array;
  onDropped(err: unknown): void;
}

/**
 * Drives a RawNode: ticks it, steps peer messages into it, and runs the Ready loop like etcd's
 * raftNode. Per Ready: the leader sends its messages first (followers persist in parallel with
 * its own WAL write; it counts its own entries only once durable, in advance()); the entries and
 * hard state are persisted (WAL, one fsync per Ready); a follower sends only now; the committed
 * entries are queued to the apply queue, which applies them in order beside the loop while it
 * persists the next Ready (committed entries already durable here, below what this Ready writes,
 * are queued before its write, as etcd applies beside its WAL write); advance() does not wait for
 * the apply, except:
 * - a round holding a conf change is applied before advance() (raft's configuration changes
 *   in order, and no later Ready is cut under the old one);
 * - a snapshot is installed only after every earlier round is applied;
 * - the apply backlog is bounded (applyRoundsMax rounds): beyond it the loop waits.
 * A Ready whose only change to persist is the commit index (raft's `mustSync` false) is not
 * written at once: the commit index goes to the WAL with the next write that syncs anyway (etcd
 * writes it unsynced). A commit index on disk that lags is harmless: a restart re-applies from the
 * snapshot, the store skips what it already holds, and the leader re-sends the commit index.
 * Proposals are queued and stepped into raft as one batch just before the next Ready is cut.
 */
export class RaftNode {
  private readonly o: RaftNodeOptions;
  private ticker: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private state: StateType = StateType.Follower;
  private loopError: unknown;
  private readonly applies: ApplyQueue;
  private proposals: QueuedProposal[] = [];
  /** A hard state whose only change (the commit index) is not in the WAL yet. */
  private unsavedHardState: HardState | null = null;
  private readonly proposalBatchMax: number;

  constructor(options: RaftNodeOptions) {
    this.o = options;
    this.applies = new ApplyQueue({ roundsMax: options.applyRoundsMax ?? 8 });
    this.proposalBatchMax = options.proposalBatchMax ?? 1024;
  }

  get raw(): RawNode {
    return this.o.node;
  }

  isLeader(): boolean {
    return this.state === StateType.Leader;
  }

  start(): void {
    this.ticker = setInterval(() => {
      this.o.node.tick();
      this.wake();
    }, this.o.tickMs);
    this.wake();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.ticker);
    while (this.running) await new Promise((r) => setImmediate(r));
    for (const p of this.proposals.splice(0)) p.onDropped(new Error('raft node stopped'));
    await this.applies.idle();
  }

  /**
   * Queues a proposal for the next Ready: every proposal made while a Ready is being handled goes
   * into raft as one batch (one append, one broadcast). `onDropped` is called if raft refuses it.
   */
  propose(data: Uint8Array, onDropped: (err: unknown) => void): void {
    if (this.stopped) {
      onDropped(new Error('raft node stopped'));
      return;
    }
    this.proposals.push({ data, onDropped });
    this.wake();
  }

  /** Runs `fn` against the node (propose, step, readIndex...) and schedules the Ready loop. */
  with<T>(fn: (node: RawNode) => T): T {
    try {
      return fn(this.o.node);
    } finally {
      this.wake();
    }
  }

  step(m: Message): void {
    if (this.stopped) return;
    try {
      this.o.node.step(m);
    } catch (err) {
      this.o.log.debug({ err: String(err), type: m.type, from: m.from.toString(16) }, 'dropped peer message');
      return;
    }
    this.wake();
  }

  /** Wakes the Ready loop; several wakes before it runs cost one pass. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    setImmediate(() => {
      this.loop().then(
        () => {
          this.running = false;
          if (this.again) {
            this.again = false;
            this.wake();
          }
        },
        (err: unknown) => {
          this.running = false;
          this.halt(err);
        },
      );
    });
  }

  /** Stops the node after a failure of the loop or of an apply round (a disk failure). */
  private halt(err: unknown): void {
    if (this.loopError !== undefined) return;
    this.loopError = err;
    this.o.log.error({ err: String(err), stack: (err as Error)?.stack }, 'raft loop failed; stopping');
    this.stopped = true;
    clearInterval(this.ticker);
  }

  /** The error that stopped the loop (a disk failure), if any. */
  failure(): unknown {
    return this.loopError;
  }

  private async loop(): Promise<void> {
    this.again = false;
    for (;;) {
      if (this.stopped) return;
      this.stepProposals();
      if (!this.o.node.hasReady()) return;
      await this.handle(this.o.node.ready());
    }
  }

  /** Steps the queued proposals into raft, in batches of proposalBatchMax. */
  private stepProposals(): void {
    while (this.proposals.length > 0) {
      const batch =
        this.proposals.length <= this.proposalBatchMax
          ? this.proposals
          : this.proposals.slice(0, this.proposalBatchMax);
      this.proposals = batch === this.proposals ? [] : this.proposals.slice(batch.length);
      try {
        this.o.node.proposeBatch(batch.map((p) => p.data));
      } catch (err) {
        for (const p of batch) p.onDropped(err);
      }
    }
  }

  /** Throws the error that stopped the apply queue (a disk failure), so the loop stops. */
  private checkApplies(): void {
    const failed = this.applies.failure();
    if (failed) throw failed.error;
  }

  private async handle(rd: Ready): Promise<void> {
    const { storage, wal, transport, applier } = this.o;
    this.checkApplies();
    if (rd.softState) {
      this.state = rd.softState.raftState;
      this.o.onSoftState(rd.softState);
    }
    if (rd.readStates.length > 0) this.o.onReadStates(rd.readStates);
    const leader = this.state === StateType.Leader;
    if (leader) transport.send(rd.messages);

    const committed = rd.committedEntries;
    // Committed entries this member already has durably (below the entries this Ready writes,
    // e.g. the leader's, whose own acknowledgement waited for its fsync) are applied while the
    // Ready is persisted, as etcd does: a commit-index-only Ready does not delay the answer.
    // Others (a follower's, arriving with their entries) are applied only once persisted here.
    const applyNow = committed.length > 0 && this.alreadyDurable(committed, rd.entries);
    if (applyNow) this.applies.push(() => this.applyRound(committed));

    if (rd.snapshot && !isEmptySnapshot(rd.snapshot)) {
      // the snapshot replaces the store: every round committed before it is applied first
      await this.applies.idle();
      this.checkApplies();
      await applier.applySnapshot(rd.snapshot);
      const marker = { index: rd.snapshot.metadata.index, term: rd.snapshot.metadata.term };
      await wal.saveSnapshotMarker(marker);
      storage.applySnapshot({ ...rd.snapshot, data: new Uint8Array(0) });
    }
    if (rd.entries.length === 0 && rd.hardState && !rd.mustSync) {
      this.unsavedHardState = rd.hardState; // only the commit index changed: see the class comment
    } else if (rd.entries.length > 0 || rd.hardState) {
      const started = performance.now();
      await wal.save(rd.hardState ?? this.unsavedHardState, rd.entries);
      this.unsavedHardState = null;
      const tookMs = performance.now() - started;
      if (tookMs > this.o.slowSyncWarnMs) {
        this.o.log.warn({ tookMs: Math.round(tookMs), entries: rd.entries.length }, 'slow wal sync');
      }
    }
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    if (!leader) transport.send(rd.messages);

    if (committed.length > 0) {
      // never applied before it is in this member's WAL
      if (!applyNow) this.applies.push(() => this.applyRound(committed));
      await (committed.some(isConfChange) ? this.applies.idle() : this.applies.whenRoomLeft());
      this.checkApplies();
    }
    this.o.node.advance(rd);
  }

  /** Whether `committed` lies wholly in what earlier Readys persisted (and `entries` will not overwrite). */
  private alreadyDurable(committed: readonly Entry[], entries: readonly Entry[]): boolean {
    if (committed.some(isConfChange)) return false;
    const last = (committed[committed.length - 1] as Entry).index;
    const firstWritten = entries[0]?.index ?? Number.POSITIVE_INFINITY;
    return last < firstWritten && last <= this.o.storage.lastIndex();
  }

  private async applyRound(entries: readonly Entry[]): Promise<void> {
    try {
      await this.o.applier.applyEntries(entries);
      const last = entries[entries.length - 1];
      if (last) await this.o.onApplied(last.index);
    } catch (err) {
      this.halt(err);
      throw err;
    }
  }
}

function isConfChange(e: Entry): boolean {
  return e.type === EntryType.ConfChange || e.type === EntryType.ConfChangeV2;
}
