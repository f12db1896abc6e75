import type { Revision } from './revision.js';

export interface HistoryEntry {
  readonly rev: Revision;
  /** The key as a latin1 string. */
  readonly key: string;
  readonly tombstone: boolean;
}

/**
 * Every write since the compaction revision, in revision order: the index the watch hub uses
 * to catch unsynced watchers up without scanning the whole key space.
 */
export class HistoryLog {
  private entries: HistoryEntry[] = [];
  private head = 0;

  append(entry: HistoryEntry): void {
    this.entries.push(entry);
  }

  get length(): number {
    return this.entries.length - this.head;
  }

  /** Position of the first entry with rev.main >= main (positions are stable until compactTo). */
  seek(main: bigint): number {
    let lo = this.head;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.entries[mid] as HistoryEntry).rev.main < main) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(position: number): HistoryEntry | undefined {
    return position >= this.head ? this.entries[position] : undefined;
  }

  /**
   * Follows a compaction at `main`: forgets the entries below it, and the tombstones at it
   * (compaction removed them from the backend, so a restarted member would not have them).
   */
  compactTo(main: bigint): void {
    this.head = this.seek(main);
    let end = this.head;
    while (end < this.entries.length && (this.entries[end] as HistoryEntry).rev.main === main) end++;
    const kept = this.entries.slice(this.head, end).filter((e) => !e.tombstone);
    this.entries.splice(this.head, end - this.head, ...kept);
    if (this.head > 4096 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }
}
