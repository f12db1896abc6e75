import assert from 'node:assert';
import { isRaftError, RaftError } from '../errors.js';
import type { Storage } from '../storage.js';
import { type Entry, limitSize, type Snapshot } from '../types.js';
import { Unstable } from './unstable.js';

/** The node's view of the log: persisted entries in Storage plus the unstable tail. */
export class RaftLog {
  readonly storage: Storage;
  readonly unstable: Unstable;
  /** Highest index known to be committed by a quorum. */
  committed: number;
  /** Highest index the application has applied. */
  applied: number;
  private readonly maxApplyBytes: number;

  constructor(storage: Storage, maxApplyBytes: number) {
    this.storage = storage;
    this.maxApplyBytes = maxApplyBytes;
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    this.unstable = new Unstable(last + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** The last index the application has persisted (entries after it are unstable). */
  lastStableIndex(): number {
    return Math.min(this.lastIndex(), this.unstable.offset - 1);
  }

  /** The term at i; throws RaftError Compacted/Unavailable when outside the log. */
  term(i: number): number {
    const dummy = this.firstIndex() - 1;
    if (i < dummy) throw new RaftError('Compacted', `index ${i}`);
    if (i > this.lastIndex()) throw new RaftError('Unavailable', `index ${i}`);
    return this.unstable.maybeTerm(i) ?? this.storage.term(i);
  }

  /** The term at i, or 0 when i is outside the log. */
  termOrZero(i: number): number {
    try {
      return this.term(i);
    } catch (e) {
      if (isRaftError(e, 'Compacted') || isRaftError(e, 'Unavailable')) return 0;
      throw e;
    }
  }

  lastTerm(): number {
    return this.term(this.lastIndex());
  }

  matchTerm(i: number, t: number): boolean {
    if (i < this.firstIndex() - 1 || i > this.lastIndex()) return false;
    return this.term(i) === t;
  }

  /** Whether a log ending at (lasti, term) is at least as up-to-date as ours (§5.4.1). */
  isUpToDate(lasti: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && lasti >= this.lastIndex());
  }

  /**
   * Appends entries following (index, logTerm) if our log matches there; returns the new
   * last index, or undefined on mismatch. Conflicting entries are truncated (§5.3).
   */
  maybeAppend(index: number, logTerm: number, committed: number, ents: Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    if (ci !== 0) {
      assert(ci > this.committed, `entry ${ci} conflicts with committed entry [committed(${this.committed})]`);
      this.append(ents.slice(ci - index - 1));
    }
    this.commitTo(Math.min(committed, lastNew));
    return lastNew;
  }

  append(ents: readonly Entry[]): number {
    if (ents.length === 0) return this.lastIndex();
    const after = ents[0]!.index - 1;
    assert(after >= this.committed, `after(${after}) is out of range [committed(${this.committed})]`);
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  /** The index of the first entry whose term differs from ours, or of the first new entry; 0 if none. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * The largest (index, term) with index <= `index` and term <= `term` in our log: the
   * fast back-off probe point for a rejected append.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = index;
    for (; i > 0; i--) {
      let t: number;
      try {
        t = this.term(i);
      } catch (e) {
        if (isRaftError(e, 'Compacted') || isRaftError(e, 'Unavailable')) return { index: i, term: 0 };
        throw e;
      }
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  unstableEntries(): Entry[] {
    return this.unstable.entries.slice();
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries not yet applied, bounded by maxCommittedSizePerReady. */
  nextCommittedEntries(): Entry[] {
    if (this.hasPendingSnapshot()) return [];
    const off = Math.max(this.applied + 1, this.firstIndex());
    if (this.committed + 1 <= off) return [];
    return this.slice(off, this.committed + 1, this.maxApplyBytes);
  }

  hasNextCommittedEntries(): boolean {
    if (this.hasPendingSnapshot()) return false;
    return this.committed + 1 > Math.max(this.applied + 1, this.firstIndex());
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(tocommit: number): void {
    if (this.committed < tocommit) {
      assert(tocommit <= this.lastIndex(), `tocommit(${tocommit}) is out of range [lastIndex(${this.lastIndex()})]`);
      this.committed = tocommit;
    }
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    assert(
      this.committed >= i && i >= this.applied,
      `applied(${i}) is out of range [${this.applied}, ${this.committed}]`,
    );
    this.applied = i;
  }

  stableTo(i: number, t: number): void {
    this.unstable.stableTo(i, t);
  }

  stableSnapTo(i: number): void {
    this.unstable.stableSnapTo(i);
  }

  /** Commits maxIndex if its entry is from `term`: only current-term entries commit by counting (§5.4.2). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.termOrZero(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  restore(s: Snapshot): void {
    this.committed = s.metadata.index;
    this.unstable.restore(s);
  }

  /** Entries from i to the end, at most maxBytes (at least one). Throws Compacted. */
  entries(i: number, maxBytes: number): Entry[] {
    if (i > this.lastIndex()) return [];
    return this.slice(i, this.lastIndex() + 1, maxBytes);
  }

  allEntries(): Entry[] {
    return this.entries(this.firstIndex(), Number.MAX_SAFE_INTEGER);
  }

  /** Entries in [lo, hi) from storage and the unstable tail, at most maxBytes (at least one). */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    assert(lo <= hi, `invalid slice ${lo} > ${hi}`);
    const first = this.firstIndex();
    if (lo < first) throw new RaftError('Compacted', `slice lo ${lo} < first ${first}`);
    assert(hi <= this.lastIndex() + 1, `slice[${lo},${hi}) out of bound [${first},${this.lastIndex()}]`);
    if (lo === hi) return [];
    let ents: Entry[] = [];
    const uoff = this.unstable.offset;
    if (lo < uoff) {
      const stored = this.storage.entries(lo, Math.min(hi, uoff), maxBytes);
      if (stored.length < Math.min(hi, uoff) - lo) return stored; // size-limited
      ents = stored;
    }
    if (hi <= uoff) return ents; // storage already applied the size limit
    const uns = this.unstable.slice(Math.max(lo, uoff), hi);
    return limitSize(ents.length > 0 ? ents.concat(uns) : uns, maxBytes);
  }
}
