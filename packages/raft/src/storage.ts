import type { ConfState, Entry, HardState, Snapshot } from './types.js';

/**
 * The read side of the log the application persists. Methods throw RaftError with
 * code 'Compacted' (index below the first available), 'Unavailable' (beyond the last)
 * or 'SnapshotTemporarilyUnavailable'.
 */
export interface Storage {
  initialState(): { hardState: HardState; confState: ConfState };
  /** Entries in [lo, hi), at most maxBytes of them (but at least one if any). */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The term of entry i; valid for firstIndex()-1 <= i <= lastIndex(). */
  term(i: number): number;
  lastIndex(): number;
  firstIndex(): number;
  snapshot(): Snapshot;
}
