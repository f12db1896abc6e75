import assert from 'node:assert';
import type { Revision } from './revision.js';

export interface KeyRevisionInfo {
  readonly rev: Revision;
  readonly created: bigint;
  readonly version: number;
}

// Offsets within a generation's header.
const CREATED = 0;
const VER = 1;
const COUNT = 2;
const HEADER = 3;

/** A revision's main as a number: exact, since a store never reaches 2^53 writes. */
function mainOf(rev: Revision): number {
  const main = Number(rev.main);
  assert.ok(Number.isSafeInteger(main), `mvcc: revision ${rev.main} beyond 2^53`);
  return main;
}

/** A tombstone's sub is stored as -(sub + 1), so the sign marks it. */
function encodeSub(sub: number, tombstone: boolean): number {
  return tombstone ? -sub - 1 : sub;
}

function revisionOf(main: number, encodedSub: number): Revision {
  return { main: BigInt(main), sub: encodedSub < 0 ? -encodedSub - 1 : encodedSub };
}

/**
 * The revisions of one key, as generations (like etcd's keyIndex). A generation is one life of
 * the key, from its creation to its tombstone; `ver` counts the puts of this life (including ones
 * compacted away), so the version of a kept revision is still known, and `created` is the main
 * revision of the put that started it (kept across compaction).
 *
 * A store holds one of these per key, so they are packed into one array of small integers (a
 * million keys cost a million small arrays, not millions of objects and bigints). Generation
 * after generation:
 *   created, ver, count, main_1, sub_1, ..., main_count, sub_count
 * A tombstone's sub is stored negated (see encodeSub) and ends its generation; the last
 * generation is the open one (count 0 while the key is not live).
 */
export class KeyHistory {
  private data: number[] = [0, 0, 0];
  /** Where the open (last) generation starts. */
  private openAt = 0;

  isLive(): boolean {
    return (this.data[this.openAt + COUNT] as number) > 0;
  }

  /** The latest revision of the key (put or tombstone), if any is kept. */
  lastRevision(): Revision | undefined {
    const d = this.data;
    // the open generation's last revision, else the one that ends the generation before it
    const end = this.isLive() ? d.length : this.openAt;
    if (end === 0) return undefined;
    return revisionOf(d[end - 2] as number, d[end - 1] as number);
  }

  put(rev: Revision): void {
    const d = this.data;
    const g = this.openAt;
    if (d[g + COUNT] === 0) d[g + CREATED] = mainOf(rev);
    d[g + VER] = (d[g + VER] as number) + 1;
    this.append(mainOf(rev), rev.sub);
  }

  /** Replays a put read back from the backend, whose KeyValue knows creation and version. */
  putRestored(main: number, sub: number, createdMain: number, version: number): void {
    const d = this.data;
    const g = this.openAt;
    if (d[g + COUNT] === 0) d[g + CREATED] = createdMain;
    d[g + VER] = version;
    this.append(main, sub);
  }

  tombstone(rev: Revision): void {
    assert.ok(this.isLive(), 'mvcc: tombstone of a key that is not live');
    this.append(mainOf(rev), encodeSub(rev.sub, true));
    this.openGeneration();
  }

  /**
   * Replays a tombstone read back from the backend. After a crash in the middle of deleting a
   * compaction's revisions, a tombstone can outlive the puts before it: it then gets a life
   * of its own, which the resumed compaction removes.
   */
  tombstoneRestored(main: number, sub: number): void {
    if (this.isLive()) {
      this.append(main, encodeSub(sub, true));
      this.openGeneration();
      return;
    }
    this.data.splice(this.openAt, 0, main, 0, 1, main, encodeSub(sub, true));
    this.openAt += HEADER + 2;
  }

  /** The live revision of the key as of store revision `main`, or undefined. */
  at(main: bigint): KeyRevisionInfo | undefined {
    const d = this.data;
    const target = Number(main);
    // the last generation that began at or before `main` (generations are in revision order)
    let found = -1;
    for (let g = 0; g < d.length; g += HEADER + 2 * (d[g + COUNT] as number)) {
      if (d[g + COUNT] === 0) continue;
      if ((d[g + HEADER] as number) > target) break;
      found = g;
    }
    if (found < 0) return undefined;
    const count = d[found + COUNT] as number;
    let idx = count - 1;
    while ((d[found + HEADER + 2 * idx] as number) > target) idx -= 1;
    const closed = (d[found + HEADER + 2 * count - 1] as number) < 0;
    const puts = closed ? count - 1 : count;
    if (idx >= puts) return undefined; // the tombstone
    const at = found + HEADER + 2 * idx;
    return {
      rev: revisionOf(d[at] as number, d[at + 1] as number),
      created: BigInt(d[found + CREATED] as number),
      version: (d[found + VER] as number) - (puts - 1 - idx),
    };
  }

  /**
   * Drops the revisions that no read at or after `main` can see: in each life, everything before
   * the latest revision <= main; whole lives that ended with a tombstone <= main. Calls `removed`
   * for each dropped revision. Returns true when nothing is left (the key can be forgotten).
   */
  compact(main: bigint, removed: (rev: Revision, tombstone: boolean) => void): boolean {
    const d = this.data;
    const target = Number(main);
    let out: number[] | undefined; // the kept data, once something was dropped
    for (let g = 0; g < d.length; ) {
      const count = d[g + COUNT] as number;
      const next = g + HEADER + 2 * count;
      // a whole life that ended at or before `main` goes; in the others, what precedes the latest
      // revision <= main
      const ended = count > 0 && (d[next - 1] as number) < 0 && (d[next - 2] as number) <= target;
      let keepFrom = 0;
      if (ended) keepFrom = count;
      else while (keepFrom + 1 < count && (d[g + HEADER + 2 * (keepFrom + 1)] as number) <= target) keepFrom += 1;
      for (let i = 0; i < keepFrom; i++) {
        const at = g + HEADER + 2 * i;
        removed(revisionOf(d[at] as number, d[at + 1] as number), (d[at + 1] as number) < 0);
      }
      if (keepFrom > 0 && out === undefined) out = d.slice(0, g);
      if (out !== undefined && !ended) {
        out.push(d[g + CREATED] as number, d[g + VER] as number, count - keepFrom);
        for (let i = g + HEADER + 2 * keepFrom; i < next; i++) out.push(d[i] as number);
      }
      g = next;
    }
    if (out !== undefined) {
      this.data = out;
      this.openAt = this.lastGenerationStart();
    }
    return this.data.length === HEADER && this.data[COUNT] === 0;
  }

  /** Every kept revision, ascending, with its tombstone flag. */
  *revisions(): Generator<{ rev: Revision; tombstone: boolean }> {
    const d = this.data;
    for (let g = 0; g < d.length; g += HEADER + 2 * (d[g + COUNT] as number)) {
      const end = g + HEADER + 2 * (d[g + COUNT] as number);
      for (let at = g + HEADER; at < end; at += 2) {
        yield { rev: revisionOf(d[at] as number, d[at + 1] as number), tombstone: (d[at + 1] as number) < 0 };
      }
    }
  }

  /** Appends a revision to the open generation (the last one in the array). */
  private append(main: number, encodedSub: number): void {
    this.data[this.openAt + COUNT] = (this.data[this.openAt + COUNT] as number) + 1;
    this.extend([main, encodedSub]);
  }

  /** Starts the next life after a tombstone. */
  private openGeneration(): void {
    this.openAt = this.data.length;
    this.extend([0, 0, 0]);
  }

  private extend(values: readonly number[]): void {
    // a short history is copied to an array of exactly its size: most keys have one or two
    // revisions, and push would leave room for 16 more in each
    if (this.data.length < 16) this.data = this.data.concat(values);
    else this.data.push(...values);
  }

  private lastGenerationStart(): number {
    const d = this.data;
    let last = 0;
    for (let g = 0; g < d.length; g += HEADER + 2 * (d[g + COUNT] as number)) last = g;
    return last;
  }
}
