import type { Message, NodeId } from '../types.js';
import type { Rng } from './rng.js';

export interface NetworkFaults {
  /** Probability a message is lost. */
  dropRate: number;
  /** Probability a message is delivered twice. */
  duplicateRate: number;
  /** Delivery delay in simulation steps, uniform in [min, max]; different delays reorder. */
  delayMin: number;
  delayMax: number;
}

interface InFlight {
  deliverAt: number;
  seq: number;
  msg: Message;
}

/** A seeded network: delays, drops, duplicates, reordering and (asymmetric) partitions. */
export class SimNetwork {
  faults: NetworkFaults;
  private readonly rng: Rng;
  private queue: InFlight[] = [];
  private seq = 0;
  /** Directed links that are cut: "from->to". */
  private readonly cut = new Set<string>();
  /** Bound on messages in flight; beyond it new messages are dropped (a full socket buffer). */
  readonly capacity: number;

  constructor(rng: Rng, faults: NetworkFaults, capacity = 100_000) {
    this.rng = rng;
    this.faults = faults;
    this.capacity = capacity;
  }

  /** Cuts from -> to only (an asymmetric partition). */
  cutLink(from: NodeId, to: NodeId): void {
    this.cut.add(`${from}->${to}`);
  }

  /** Splits nodes into two groups that cannot talk to each other. */
  partition(a: readonly NodeId[], b: readonly NodeId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.cutLink(x, y);
        this.cutLink(y, x);
      }
    }
  }

  /** Isolates one node from every other. */
  isolate(id: NodeId, all: readonly NodeId[]): void {
    this.partition(
      [id],
      all.filter((x) => x !== id),
    );
  }

  heal(): void {
    this.cut.clear();
  }

  isCut(from: NodeId, to: NodeId): boolean {
    return this.cut.has(`${from}->${to}`);
  }

  hasPartitions(): boolean {
    return this.cut.size > 0;
  }

  /** Queues a message; returns false if it is lost (drop, partition or full network). */
  send(msg: Message, now: number): boolean {
    if (this.isCut(msg.from, msg.to)) return false;
    if (this.rng.chance(this.faults.dropRate)) return false;
    if (this.queue.length >= this.capacity) return false;
    this.enqueue(msg, now);
    if (this.rng.chance(this.faults.duplicateRate)) this.enqueue(msg, now);
    return true;
  }

  private enqueue(msg: Message, now: number): void {
    const delay = this.rng.range(this.faults.delayMin, this.faults.delayMax);
    this.queue.push({ deliverAt: now + delay, seq: this.seq++, msg });
  }

  /** Removes and returns messages due at `now`, in delivery order; cut links drop them. */
  due(now: number): Message[] {
    const ready: InFlight[] = [];
    const rest: InFlight[] = [];
    for (const f of this.queue) (f.deliverAt <= now ? ready : rest).push(f);
    this.queue = rest;
    ready.sort((a, b) => a.deliverAt - b.deliverAt || a.seq - b.seq);
    return ready.filter((f) => !this.isCut(f.msg.from, f.msg.to)).map((f) => f.msg);
  }

  /** Drops every queued message to or from `id` (a crashed node's sockets). */
  dropFor(id: NodeId): void {
    this.queue = this.queue.filter((f) => f.msg.to !== id && f.msg.from !== id);
  }

  inFlight(): number {
    return this.queue.length;
  }
}
