import type { ReadOnlyOption } from './config.js';
import type { Message, NodeId } from './types.js';

/** A ReadIndex request waiting for a quorum of heartbeat acknowledgements. */
export interface ReadIndexStatus {
  req: Message;
  index: number;
  acks: Map<NodeId, boolean>;
}

/** Bound on ReadIndex requests a leader holds at once (queued plus awaiting a current-term commit). */
export const maxPendingReadIndex = 4096;

/** Request contexts are compared by content; this is their map key. */
export function contextKey(ctx: Uint8Array): string {
  return Buffer.from(ctx.buffer, ctx.byteOffset, ctx.byteLength).toString('latin1');
}

/**
 * The leader's queue of ReadIndex requests (§6.4): each records the commit index at
 * arrival and is answered once a quorum acknowledged a heartbeat sent after it.
 */
export class ReadOnly {
  readonly option: ReadOnlyOption;
  private readonly pending = new Map<string, ReadIndexStatus>();
  private queue: string[] = [];

  constructor(option: ReadOnlyOption) {
    this.option = option;
  }

  /** Queues a request (context in m.entries[0].data) for read index `index`; duplicates are ignored. */
  addRequest(index: number, m: Message): void {
    const key = contextKey(m.entries[0]!.data);
    if (this.pending.has(key)) return;
    this.pending.set(key, { req: m, index, acks: new Map() });
    this.queue.push(key);
  }

  /** Records an acknowledgement of the heartbeat carrying `context`; returns the acks so far. */
  recvAck(id: NodeId, context: Uint8Array): ReadonlyMap<NodeId, boolean> | undefined {
    const rs = this.pending.get(contextKey(context));
    if (rs === undefined) return undefined;
    rs.acks.set(id, true);
    return rs.acks;
  }

  /**
   * Dequeues the request with this context and every request before it: a heartbeat
   * acknowledged for a later request confirms the earlier ones too (batched read states).
   */
  advance(context: Uint8Array): ReadIndexStatus[] {
    const key = contextKey(context);
    const i = this.queue.indexOf(key);
    if (i < 0) return [];
    const done = this.queue.slice(0, i + 1);
    this.queue = this.queue.slice(i + 1);
    const out: ReadIndexStatus[] = [];
    for (const k of done) {
      const rs = this.pending.get(k)!;
      this.pending.delete(k);
      out.push(rs);
    }
    return out;
  }

  /** The context of the newest pending request, carried on heartbeats. */
  lastPendingRequestCtx(): Uint8Array | undefined {
    const k = this.queue[this.queue.length - 1];
    return k === undefined ? undefined : this.pending.get(k)!.req.entries[0]!.data;
  }

  pendingCount(): number {
    return this.queue.length;
  }
}
