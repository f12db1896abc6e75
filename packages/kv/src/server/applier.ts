import type { Logger } from '@coreos-ts/grpc-kit';
import { kvpb } from '@coreos-ts/proto';
import {
  type ConfChange,
  ConfChangeType,
  type ConfState,
  decodeConfChange,
  type Entry,
  EntryType,
  type Snapshot,
} from '@coreos-ts/raft';
import type { MvccStore } from '../mvcc/mvcc-store.js';
import type { Applier } from './raft-node.js';
import type { WaitRegistry } from './wait-registry.js';

/** What applying a request needs beyond the MVCC store: leases, alarms, membership. */
export interface ApplyContext {
  store(): MvccStore;
  waits: WaitRegistry<object>;
  log: Logger;
  /** Runs a client request against the state machine; throws a KvError on refusal. */
  applyRequest(request: kvpb.InternalRequest, index: number): object;
  /** Hands a conf change to raft (always, even when replaying) and returns the new ConfState. */
  applyConfChangeToRaft(cc: ConfChange): ConfState;
  /** The membership effect of a conf change (skipped when the store already has it). */
  applyMembership(cc: ConfChange, member: kvpb.MemberInfo | undefined): void;
  /** Replaces the store's content with a snapshot's. */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /** Notifies watchers etc. once a round's effects are written. */
  afterRound(): void;
  /**
   * A round's entries up to `index` are applied in memory: reads see them now (the store reads
   * its unwritten batches first), before the round is written to the backend.
   */
  appliedInMemory(index: number): void;
}

/** Resolves on the next turn of the event loop, after the I/O and immediates already queued. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Applies committed entries in order. An entry at or below the store's consistent index was
 * applied before a restart: its effects are in the store already and are not applied twice;
 * conf changes still reach raft, which rebuilds its configuration from the log.
 */
export class EntryApplier implements Applier {
  constructor(private readonly ctx: ApplyContext) {}

  async applySnapshot(snapshot: Snapshot): Promise<void> {
    await this.ctx.installSnapshot(snapshot);
  }

  async applyEntries(entries: readonly Entry[]): Promise<void> {
    const store = this.ctx.store();
    let applied = false;
    for (const entry of entries) {
      const fresh = BigInt(entry.index) > store.consistentIndex();
      if (entry.type === EntryType.ConfChange) {
        this.applyConfChange(entry, fresh);
      } else if (entry.type === EntryType.Normal && fresh && entry.data.length > 0) {
        this.applyNormal(entry);
      }
      if (fresh) {
        store.setConsistentIndex(BigInt(entry.index));
        applied = true;
      }
    }
    const last = entries[entries.length - 1];
    if (last !== undefined) this.ctx.appliedInMemory(last.index);
    if (applied) {
      // The proposers' answers, settled above, leave first: their promise chains and gRPC writes
      // run before the backend batch is built. The WAL holds these entries durably already.
      await nextTurn();
      await store.flush();
      this.ctx.afterRound();
    }
  }

  private applyNormal(entry: Entry): void {
    let request: kvpb.InternalRequest;
    try {
      request = kvpb.InternalRequest.decode(entry.data);
    } catch (err) {
      // Every member refuses the same bytes the same way; nothing is applied.
      this.ctx.log.error({ index: entry.index, err: String(err) }, 'undecodable entry skipped');
      return;
    }
    const id = request.header?.id ?? 0n;
    try {
      const result = this.ctx.applyRequest(request, entry.index);
      this.ctx.waits.trigger(id, result);
    } catch (err) {
      this.ctx.waits.fail(id, err);
    }
  }

  private applyConfChange(entry: Entry, fresh: boolean): void {
    const cc = decodeConfChange(entry.data);
    let member: kvpb.MemberInfo | undefined;
    if (cc.context.length > 0 && cc.type !== ConfChangeType.RemoveNode) {
      member = kvpb.MemberInfo.decode(cc.context);
    }
    this.ctx.applyConfChangeToRaft(cc);
    if (fresh) this.ctx.applyMembership(cc, member);
  }
}
