import assert from 'node:assert';
import type { Revision } from './revision.js';

/**
 * One life of a key: from its creation to its tombstone. `ver` counts the puts of this life
 * (including ones compacted away), so the version of a kept revision is still known.
 */
interface Generation {
  /** Main revision of the put that started this life (kept across compaction). */
  created: bigint;
  ver: number;
  revs: Revision[];
  /** The last rev is a tombstone. Only the last generation is open. */
  closed: boolean;
}

export interface KeyRevisionInfo {
  readonly rev: Revision;
  readonly created: bigint;
  readonly version: number;
}

/** The revisions of one key, as generations (like etcd's keyIndex). */
export class KeyHistory {
  private readonly generations: Generation[] = [{ created: 0n, ver: 0, revs: [], closed: false }];

  private get current(): Generation {
    return this.generations[this.generations.length - 1] as Generation;
  }

  isLive(): boolean {
    return this.current.revs.length > 0;
  }

  /** The latest revision of the key (put or tombstone), if any is kept. */
  lastRevision(): Revision | undefined {
    for (let i = this.generations.length - 1; i >= 0; i--) {
      const g = this.generations[i] as Generation;
      const last = g.revs[g.revs.length - 1];
      if (last !== undefined) return last;
    }
    return undefined;
  }

  put(rev: Revision): void {
    const g = this.current;
    if (g.revs.length === 0) g.created = rev.main;
    g.revs.push(rev);
    g.ver += 1;
  }

  /** Replays a put read back from the backend, whose KeyValue knows creation and version. */
  putRestored(rev: Revision, createdMain: bigint, version: number): void {
    const g = this.current;
    if (g.revs.length === 0) g.created = createdMain;
    g.revs.push(rev);
    g.ver = version;
  }

  tombstone(rev: Revision): void {
    const g = this.current;
    assert.ok(g.revs.length > 0, 'mvcc: tombstone of a key that is not live');
    g.revs.push(rev);
    g.closed = true;
    this.generations.push({ created: 0n, ver: 0, revs: [], closed: false });
  }

  /**
   * Replays a tombstone read back from the backend. After a crash in the middle of deleting a
   * compaction's revisions, a tombstone can outlive the puts before it: it then gets a life
   * of its own, which the resumed compaction removes.
   */
  tombstoneRestored(rev: Revision): void {
    if (this.isLive()) {
      this.tombstone(rev);
      return;
    }
    this.generations.splice(this.generations.length - 1, 0, { created: rev.main, ver: 0, revs: [rev], closed: true });
  }

  /** The live revision of the key as of store revision `main`, or undefined. */
  at(main: bigint): KeyRevisionInfo | undefined {
    for (let gi = this.generations.length - 1; gi >= 0; gi--) {
      const g = this.generations[gi] as Generation;
      const first = g.revs[0];
      if (first === undefined || first.main > main) continue;
      let idx = g.revs.length - 1;
      while ((g.revs[idx] as Revision).main > main) idx -= 1;
      const puts = g.closed ? g.revs.length - 1 : g.revs.length;
      if (idx >= puts) return undefined; // the tombstone
      return { rev: g.revs[idx] as Revision, created: g.created, version: g.ver - (puts - 1 - idx) };
    }
    return undefined;
  }

  /**
   * Drops the revisions that no read at or after `main` can see: in each life, everything before
   * the latest revision <= main; whole lives that ended with a tombstone <= main. Calls `removed`
   * for each dropped revision. Returns true when nothing is left (the key can be forgotten).
   */
  compact(main: bigint, removed: (rev: Revision, tombstone: boolean) => void): boolean {
    const kept: Generation[] = [];
    for (const g of this.generations) {
      const last = g.revs[g.revs.length - 1];
      if (g.closed && last !== undefined && last.main <= main) {
        for (let i = 0; i < g.revs.length; i++) removed(g.revs[i] as Revision, i === g.revs.length - 1);
        continue;
      }
      let keepFrom = 0;
      for (let i = 0; i < g.revs.length; i++) {
        if ((g.revs[i] as Revision).main <= main) keepFrom = i;
        else break;
      }
      for (let i = 0; i < keepFrom; i++) removed(g.revs[i] as Revision, false);
      if (keepFrom > 0) g.revs = g.revs.slice(keepFrom);
      kept.push(g);
    }
    this.generations.length = 0;
    this.generations.push(...kept);
    return this.generations.length === 1 && this.current.revs.length === 0;
  }

  /** Every kept revision, ascending, with its tombstone flag. */
  *revisions(): Generator<{ rev: Revision; tombstone: boolean }> {
    for (const g of this.generations) {
      for (let i = 0; i < g.revs.length; i++) {
        yield { rev: g.revs[i] as Revision, tombstone: g.closed && i === g.revs.length - 1 };
      }
    }
  }
}
