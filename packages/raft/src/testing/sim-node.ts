import { decodeConfChange, decodeConfChangeV2 } from '../confchange/conf-change.js';
import type { Config } from '../config.js';
import { MemoryStorage } from '../memory-storage.js';
import { RawNode } from '../raw-node.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  emptyConfState,
  type HardState,
  type NodeId,
  type Ready,
} from '../types.js';

/** The replicated state machine of the simulation: a running hash over every applied entry. */
export interface StateMachine {
  applied: number;
  hash: number;
  writes: number;
  confState: ConfState;
}

export function hashEntry(h: number, e: Entry): number {
  let x = (h ^ e.index) >>> 0;
  x = Math.imul(x ^ e.term, 16777619) >>> 0;
  x = Math.imul(x ^ e.type, 16777619) >>> 0;
  for (let i = 0; i < e.data.byteLength; i++) x = Math.imul(x ^ e.data[i]!, 16777619) >>> 0;
  return x;
}

function encodeState(sm: StateMachine): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ hash: sm.hash, writes: sm.writes }));
}

function decodeState(data: Uint8Array): { hash: number; writes: number } {
  if (data.byteLength === 0) return { hash: 0, writes: 0 };
  return JSON.parse(new TextDecoder().decode(data)) as { hash: number; writes: number };
}

export interface ReadyHooks {
  onPersist(e: Entry, prevTerm: number): void;
  onApply(e: Entry, hashAfter: number): void;
  onSnapshot(index: number, hash: number): void;
}

/**
 * One simulated server: durable MemoryStorage, the volatile RawNode and state machine,
 * and a commit index written without fsync (lost on crash, as an unsynced write is).
 */
export class SimNode {
  readonly id: NodeId;
  readonly storage = new MemoryStorage();
  node: RawNode | undefined;
  sm: StateMachine = { applied: 0, hash: 0, writes: 0, confState: emptyConfState() };
  retired = false;
  private unsynced: HardState | undefined;
  private readonly makeConfig: (applied: number) => Config;

  constructor(id: NodeId, makeConfig: (applied: number) => Config) {
    this.id = id;
    this.makeConfig = makeConfig;
  }

  isUp(): boolean {
    return this.node !== undefined && !this.retired;
  }

  /** Initial members bootstrap again if they crashed before persisting the bootstrap. */
  private bootstrapPeers: readonly NodeId[] | undefined;

  /** Starts from storage: fresh (optionally bootstrapping) or after a crash. */
  start(bootstrap?: readonly NodeId[]): RawNode {
    if (bootstrap !== undefined) this.bootstrapPeers = bootstrap;
    const snap = this.storage.snapshot();
    const st = decodeState(snap.data);
    this.sm = {
      applied: snap.metadata.index,
      hash: st.hash,
      writes: st.writes,
      confState: snap.metadata.confState,
    };
    this.node = new RawNode(this.makeConfig(snap.metadata.index), this.storage);
    if (this.bootstrapPeers !== undefined && this.storage.lastIndex() === 0) this.node.bootstrap(this.bootstrapPeers);
    return this.node;
  }

  /** Loses everything volatile: the RawNode, the state machine and unsynced writes. */
  crash(): void {
    this.node = undefined;
    this.unsynced = undefined;
  }

  private sync(): void {
    if (this.unsynced !== undefined) this.storage.setHardState(this.unsynced);
    this.unsynced = undefined;
  }

  /** Persists a Ready: snapshot, entries, hard state (synced only when mustSync). */
  persist(rd: Ready, hooks: ReadyHooks): void {
    if (rd.snapshot !== undefined) this.storage.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) {
      this.storage.append(rd.entries);
      let prevTerm: number;
      try {
        prevTerm = this.storage.term(rd.entries[0]!.index - 1);
      } catch {
        prevTerm = -1; // behind a compaction point: unknown, not checked
      }
      for (const e of rd.entries) {
        hooks.onPersist(e, prevTerm);
        prevTerm = e.term;
      }
    }
    if (rd.hardState !== undefined) this.unsynced = rd.hardState;
    if (rd.mustSync) this.sync();
  }

  /** Applies the snapshot and committed entries of a Ready to the state machine. */
  apply(rd: Ready, hooks: ReadyHooks): void {
    const node = this.node!;
    if (rd.snapshot !== undefined) {
      const st = decodeState(rd.snapshot.data);
      this.sm = {
        applied: rd.snapshot.metadata.index,
        hash: st.hash,
        writes: st.writes,
        confState: rd.snapshot.metadata.confState,
      };
      hooks.onSnapshot(this.sm.applied, this.sm.hash);
    }
    for (const e of rd.committedEntries) {
      if (e.index <= this.sm.applied) continue;
      if (e.index !== this.sm.applied + 1)
        throw new Error(`node ${this.id} applies ${e.index} after ${this.sm.applied}`);
      if (e.type === EntryType.ConfChange) {
        this.sm.confState = node.applyConfChange(decodeConfChange(e.data));
      } else if (e.type === EntryType.ConfChangeV2) {
        this.sm.confState = node.applyConfChange(decodeConfChangeV2(e.data));
      } else if (e.data.byteLength > 0) {
        this.sm.writes++;
      }
      this.sm.hash = hashEntry(this.sm.hash, e);
      this.sm.applied = e.index;
      hooks.onApply(e, this.sm.hash);
    }
  }

  /** Snapshots the state machine at its applied index and compacts the log behind it. */
  snapshotAndCompact(keep: number, minGap: number): boolean {
    if (this.sm.applied < this.storage.snapshot().metadata.index + minGap) return false;
    this.sync();
    if (this.storage.hardStateNow().commit < this.sm.applied) return false;
    this.storage.createSnapshot(this.sm.applied, this.sm.confState, encodeState(this.sm));
    const compactTo = this.sm.applied - keep;
    if (compactTo >= this.storage.firstIndex()) this.storage.compact(compactTo);
    return true;
  }
}
