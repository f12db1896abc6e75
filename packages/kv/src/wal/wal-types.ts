import type { Entry, HardState } from './raft-types.js';

/** Who this WAL belongs to; written into every segment and checked on open. */
export interface WalMetadata {
  clusterId: bigint;
  memberId: bigint;
}

/** Records that a snapshot at (index, term) exists; replay starts after it. */
export interface SnapshotMarker {
  index: number;
  term: number;
}

/** What replay hands back to the server on start. */
export interface WalReplay {
  metadata: WalMetadata;
  /** The last HardState saved (all zero if none was). */
  hardState: HardState;
  /** The entries after `snapshot.index`, contiguous, later overwrites applied. */
  entries: Entry[];
  /** The snapshot marker replay started from ({0, 0} for a WAL that never had a snapshot). */
  snapshot: SnapshotMarker;
}

/** What a caller may require of the WAL it opens. */
export interface WalOpenExpectations {
  /** Refuse a WAL written for another cluster or member. */
  metadata?: WalMetadata;
  /** Replay from this snapshot marker instead of the newest one in the WAL. */
  snapshot?: SnapshotMarker;
}

/** The server's view of the write-ahead log: both the file and the in-memory WAL implement it. */
export interface Wal {
  /**
   * Appends the entries (an entry whose index is <= the last one replaces that suffix) and the
   * HardState (null: unchanged) as one atomic batch, durable when the promise resolves.
   */
  save(hardState: HardState | null, entries: readonly Entry[]): Promise<void>;
  /** Durably records that a snapshot at (index, term) exists. */
  saveSnapshotMarker(marker: SnapshotMarker): Promise<void>;
  /** Drops storage wholly before the newest snapshot marker whose index is <= `index`. */
  releaseTo(index: number): Promise<void>;
  /** The index of the last entry written (or the snapshot marker's, if that is later). */
  lastIndex(): number;
  close(): Promise<void>;
}

/** Structured logger: constant message, data in fields. */
export interface WalLogger {
  warn(fields: Record<string, unknown>, msg: string): void;
}
