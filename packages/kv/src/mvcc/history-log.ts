import assert from 'node:assert';
import type { Revision } from './revision.js';

export interface HistoryEntry {
  readonly rev: Revision;
  /** The key as a latin1 string. */
  readonly key: string;
  readonly tombstone: boolean;
}

/**
 * Every write since the compaction revision, in revision order: the index the watch hub uses
 * to catch unsynced watchers up without scanning the whole key space. It holds one entry per
 * write, so the entries are kept in columns (main, sub with the tombstone as its sign, key), not
 * as an object each; at() builds the entry it returns.
 */
export class HistoryLog {
  private mains: number[] = [];
  /** sub, or -(sub + 1) for a tombstone. */
  private subs: number[] = [];
  private keys: string[] = [];
  private head = 0;

  append(main: bigint, sub: number, key: string, tombstone: boolean): void {
    const n = Number(main);
    assert.ok(Number.isSafeInteger(n), `mvcc: revision ${main} beyond 2^53`);
    this.appendRestored(n, sub, key, tombstone);
  }

  /** append() with the main revision as a number (restart reads every revision in the store). */
  appendRestored(main: number, sub: number, key: string, tombstone: boolean): void {
    this.mains.push(main);
    this.subs.push(tombstone ? -sub - 1 : sub);
    this.keys.push(key);
  }

  get length(): number {
    return this.mains.length - this.head;
  }

  /** Position of the first entry with rev.main >= main (positions are stable until compactTo). */
  seek(main: bigint): number {
    const target = Number(main);
    let lo = this.head;
    let hi = this.mains.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.mains[mid] as number) < target) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  at(position: number): HistoryEntry | undefined {
    if (position < this.head || position >= this.mains.length) return undefined;
    const sub = this.subs[position] as number;
    return {
      rev: { main: BigInt(this.mains[position] as number), sub: sub < 0 ? -sub - 1 : sub },
      key: this.keys[position] as string,
      tombstone: sub < 0,
    };
  }

  /**
   * Follows a compaction at `main`: forgets the entries below it, and the tombstones at it
   * (compaction removed them from the backend, so a restarted member would not have them).
   */
  compactTo(main: bigint): void {
    const oldHead = this.head;
    this.head = this.seek(main);
    const target = Number(main);
    let end = this.head;
    while (end < this.mains.length && this.mains[end] === target) end++;
    // keep the puts at `main`, in order, moved up against the entries after it
    let to = end;
    for (let from = end - 1; from >= this.head; from--) {
      if ((this.subs[from] as number) < 0) continue;
      to -= 1;
      this.mains[to] = this.mains[from] as number;
      this.subs[to] = this.subs[from] as number;
      this.keys[to] = this.keys[from] as string;
    }
    this.head = to;
    if (this.head > 4096 && this.head * 2 > this.mains.length) {
      this.mains = this.mains.slice(this.head);
      this.subs = this.subs.slice(this.head);
      this.keys = this.keys.slice(this.head);
      this.head = 0;
    } else {
      // what is below the head is never read again: let its keys go
      for (let i = oldHead; i < this.head; i++) this.keys[i] = '';
    }
  }
}
