import assert from 'node:assert';
import { RaftError } from './errors.js';
import type { Storage } from './storage.js';
import {
  type ConfState,
  type Entry,
  EntryType,
  emptySnapshot,
  type HardState,
  limitSize,
  None,
  type Snapshot,
} from './types.js';

function copyConfState(cs: ConfState): ConfState {
  return {
    voters: [...cs.voters],
    learners: [...cs.learners],
    votersOutgoing: [...cs.votersOutgoing],
    learnersNext: [...cs.learnersNext],
    autoLeave: cs.autoLeave,
  };
}

/**
 * An in-memory Storage: what was "persisted". ents[0] is a dummy entry carrying the
 * index and term of the last snapshot (or compaction point).
 */
export class MemoryStorage implements Storage {
  private hardState: HardState = { term: 0, vote: None, commit: 0 };
  private snap: Snapshot = emptySnapshot();
  private ents: Entry[] = [{ term: 0, index: 0, type: EntryType.Normal, data: new Uint8Array(0) }];

  initialState(): { hardState: HardState; confState: ConfState } {
    return { hardState: { ...this.hardState }, confState: copyConfState(this.snap.metadata.confState) };
  }

  setHardState(hs: HardState): void {
    this.hardState = { ...hs };
  }

  hardStateNow(): HardState {
    return { ...this.hardState };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.ents[0]!.index;
    if (lo <= offset) throw new RaftError('Compacted', `lo ${lo} <= compacted ${offset}`);
    assert(hi <= this.lastIndex() + 1, `entries' hi(${hi}) is out of bound lastindex(${this.lastIndex()})`);
    if (this.ents.length === 1) throw new RaftError('Unavailable', 'only the dummy entry');
    return limitSize(this.ents.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: number): number {
    const offset = this.ents[0]!.index;
    if (i < offset) throw new RaftError('Compacted', `index ${i} < ${offset}`);
    if (i - offset >= this.ents.length) throw new RaftError('Unavailable', `index ${i} > ${this.lastIndex()}`);
    return this.ents[i - offset]!.term;
  }

  lastIndex(): number {
    return this.ents[0]!.index + this.ents.length - 1;
  }

  firstIndex(): number {
    return this.ents[0]!.index + 1;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Replaces the contents with a snapshot received from the leader. */
  applySnapshot(snap: Snapshot): void {
    const idx = this.snap.metadata.index;
    if (idx >= snap.metadata.index) throw new RaftError('SnapOutOfDate', `have ${idx}, got ${snap.metadata.index}`);
    this.snap = snap;
    this.ents = [
      { term: snap.metadata.term, index: snap.metadata.index, type: EntryType.Normal, data: new Uint8Array(0) },
    ];
  }

  /** Records a snapshot of the state machine at applied index i (i <= lastIndex). */
  createSnapshot(i: number, cs: ConfState | undefined, data: Uint8Array): Snapshot {
    if (i <= this.snap.metadata.index) throw new RaftError('SnapOutOfDate', `have ${this.snap.metadata.index}`);
    const offset = this.ents[0]!.index;
    assert(i <= this.lastIndex(), `snapshot ${i} is out of bound lastindex(${this.lastIndex()})`);
    const confState = cs !== undefined ? copyConfState(cs) : this.snap.metadata.confState;
    this.snap = { data, metadata: { index: i, term: this.ents[i - offset]!.term, confState } };
    return this.snap;
  }

  /** Discards entries before compactIndex; compactIndex must not exceed the applied index. */
  compact(compactIndex: number): void {
    const offset = this.ents[0]!.index;
    if (compactIndex <= offset) throw new RaftError('Compacted', `compact ${compactIndex} <= ${offset}`);
    assert(compactIndex <= this.lastIndex(), `compact ${compactIndex} is out of bound lastindex(${this.lastIndex()})`);
    const i = compactIndex - offset;
    const first = this.ents[i]!;
    const dummy: Entry = { term: first.term, index: first.index, type: EntryType.Normal, data: new Uint8Array(0) };
    this.ents = [dummy].concat(this.ents.slice(i + 1));
  }

  /** Appends entries, truncating any persisted entries at or after the first new index. */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const last = entries[0]!.index + entries.length - 1;
    if (last < first) return; // all already compacted
    let ents = entries as Entry[];
    if (first > entries[0]!.index) ents = ents.slice(first - entries[0]!.index);
    const offset = ents[0]!.index - this.ents[0]!.index;
    assert(offset <= this.ents.length, `missing log entry [last: ${this.lastIndex()}, append at: ${ents[0]!.index}]`);
    if (offset < this.ents.length) this.ents.length = offset; // truncate the conflicting tail
    for (const e of ents) this.ents.push(e);
  }
}
