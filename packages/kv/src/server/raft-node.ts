import type { Logger } from '@coreos-ts/grpc-kit';
import {
  type Entry,
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
}

/**
 * Drives a RawNode: ticks it, steps peer messages into it, and runs the Ready loop:
 * persist (WAL, one fsync per Ready) -> send -> apply -> advance. The leader sends before it
 * persists (its followers persist in parallel; it counts its own vote only once durable).
 */
export class RaftNode {
  private readonly o: RaftNodeOptions;
  private ticker: NodeJS.Timeout | undefined;
  private running = false;
  private again = false;
  private stopped = false;
  private state: StateType = StateType.Follower;
  private loopError: unknown;

  constructor(options: RaftNodeOptions) {
    this.o = options;
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
          this.loopError = err;
          this.o.log.error({ err: String(err), stack: (err as Error)?.stack }, 'raft loop failed; stopping');
          this.stopped = true;
          clearInterval(this.ticker);
        },
      );
    });
  }

  /** The error that stopped the loop (a disk failure), if any. */
  failure(): unknown {
    return this.loopError;
  }

  private async loop(): Promise<void> {
    this.again = false;
    while (!this.stopped && this.o.node.hasReady()) {
      await this.handle(this.o.node.ready());
    }
  }

  private async handle(rd: Ready): Promise<void> {
    const { storage, wal, transport, applier } = this.o;
    if (rd.softState) {
      this.state = rd.softState.raftState;
      this.o.onSoftState(rd.softState);
    }
    if (rd.readStates.length > 0) this.o.onReadStates(rd.readStates);
    const leader = this.state === StateType.Leader;
    if (leader) transport.send(rd.messages);

    if (rd.snapshot && !isEmptySnapshot(rd.snapshot)) {
      await applier.applySnapshot(rd.snapshot);
      const marker = { index: rd.snapshot.metadata.index, term: rd.snapshot.metadata.term };
      await wal.saveSnapshotMarker(marker);
      storage.applySnapshot({ ...rd.snapshot, data: new Uint8Array(0) });
    }
    if (rd.entries.length > 0 || rd.hardState) {
      const started = performance.now();
      await wal.save(rd.hardState ?? null, rd.entries);
      const tookMs = performance.now() - started;
      if (tookMs > this.o.slowSyncWarnMs) {
        this.o.log.warn({ tookMs: Math.round(tookMs), entries: rd.entries.length }, 'slow wal sync');
      }
    }
    storage.append(rd.entries);
    if (rd.hardState) storage.setHardState(rd.hardState);
    if (!leader) transport.send(rd.messages);

    if (rd.committedEntries.length > 0) {
      await applier.applyEntries(rd.committedEntries);
    }
    this.o.node.advance(rd);
    const last = rd.committedEntries[rd.committedEntries.length - 1];
    if (last) await this.o.onApplied(last.index);
  }
}
