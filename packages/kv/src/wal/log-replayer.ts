// Rebuilds the raft log from a sequence of WAL records (pure: both WAL implementations feed
// it). Later records win: an entry whose index is <= the last index truncates the log there.

import { type Entry, emptyHardState, type HardState } from './raft-types.js';
import { WalError } from './wal-errors.js';
import type { SnapshotMarker, WalMetadata, WalReplay } from './wal-types.js';

export type ReplayRecord =
  | { type: 'metadata'; metadata: WalMetadata }
  | { type: 'entry'; entry: Entry }
  | { type: 'hardState'; hardState: HardState }
  | { type: 'snapshot'; marker: SnapshotMarker };

/** Thrown for a record sequence no correct writer produces; the caller adds file and offset. */
export class ReplayInconsistency extends Error {}

export class LogReplayer {
  private readonly requested: SnapshotMarker | null;
  private found: boolean;
  private base: SnapshotMarker;
  private entries: Entry[] = [];
  private last = -1;
  private latest: SnapshotMarker = { index: 0, term: 0 };
  private hardState: HardState = emptyHardState;
  private metadata: WalMetadata | null = null;

  /** `requested`: replay from that marker; null: from the newest marker in the WAL. */
  constructor(requested: SnapshotMarker | null) {
    this.requested = requested;
    this.found = requested === null;
    this.base = requested ?? { index: 0, term: 0 };
  }

  /** Called at the start of each segment (the memory WAL: once) with the next index it expects. */
  startSegment(firstIndex: number): void {
    if (this.last === -1) {
      this.last = firstIndex - 1;
      return;
    }
    if (firstIndex !== this.last + 1) {
      throw new ReplayInconsistency(`segment starts at index ${firstIndex}, expected ${this.last + 1}`);
    }
  }

  apply(record: ReplayRecord): void {
    switch (record.type) {
      case 'metadata':
        this.applyMetadata(record.metadata);
        break;
      case 'hardState':
        this.hardState = record.hardState;
        break;
      case 'entry':
        this.applyEntry(record.entry);
        break;
      case 'snapshot':
        this.applyMarker(record.marker);
        break;
    }
  }

  lastIndex(): number {
    return Math.max(this.last, 0);
  }

  latestMarker(): SnapshotMarker {
    return this.latest;
  }

  result(): WalReplay {
    if (this.metadata === null) throw new ReplayInconsistency('no metadata record');
    const requested = this.requested;
    if (requested !== null && !this.found) {
      throw new WalError(
        'snapshot-not-found',
        `wal: snapshot marker (index ${requested.index}, term ${requested.term}) not found`,
      );
    }
    const first = this.entries[0];
    if (first !== undefined && first.index !== this.base.index + 1) {
      throw new ReplayInconsistency(
        `entries after the snapshot at index ${this.base.index} start at ${first.index}: some are missing`,
      );
    }
    return {
      metadata: this.metadata,
      hardState: this.hardState,
      entries: this.entries,
      snapshot: { index: this.base.index, term: this.base.term },
    };
  }

  private applyMetadata(metadata: WalMetadata): void {
    const m = this.metadata;
    if (m !== null && (m.clusterId !== metadata.clusterId || m.memberId !== metadata.memberId)) {
      throw new ReplayInconsistency('metadata changes within the wal');
    }
    this.metadata = metadata;
  }

  private applyEntry(e: Entry): void {
    if (this.last === -1) this.last = e.index - 1;
    if (e.index > this.last + 1) {
      throw new ReplayInconsistency(`entry index ${e.index} leaves a gap after last index ${this.last}`);
    }
    const first = this.entries[0];
    if (first !== undefined && e.index <= this.last) {
      this.entries.length = Math.max(0, e.index - first.index);
    }
    this.last = e.index;
    if (e.index > this.base.index) this.entries.push(e);
  }

  private applyMarker(m: SnapshotMarker): void {
    if (m.index >= this.latest.index) this.latest = m;
    const jumps = m.index > this.last;
    if (jumps) this.last = m.index;
    if (this.requested === null) {
      if (m.index < this.base.index) return;
      this.base = m;
      this.dropThrough(m.index);
      return;
    }
    if (m.index === this.requested.index && m.term === this.requested.term) {
      this.found = true;
    } else if (jumps && m.index > this.base.index) {
      // The log continues after a newer snapshot: the requested one cannot be caught up from here.
      throw new WalError(
        'snapshot-not-found',
        `wal: snapshot marker (index ${this.requested.index}) is superseded by a later snapshot at index ${m.index}`,
      );
    }
  }

  private dropThrough(index: number): void {
    const first = this.entries[0];
    if (first === undefined || first.index > index) return;
    this.entries = this.entries.slice(index - first.index + 1);
  }
}
