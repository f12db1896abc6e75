import { describe, expect, it } from 'vitest';
import { type Entry, EntryType, isRaftError, MemoryStorage } from '../src/index.js';
import { RaftLog } from '../src/log/raft-log.js';
import { Inflights } from '../src/tracker/inflights.js';
import { Progress, ProgressState } from '../src/tracker/progress.js';

const ent = (index: number, term: number, data = ''): Entry => ({
  index,
  term,
  type: EntryType.Normal,
  data: new TextEncoder().encode(data),
});

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isRaftError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('MemoryStorage', () => {
  it('appends, truncates on conflict, compacts and snapshots', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 2)]);
    s.append([ent(3, 3), ent(4, 3)]);
    expect(s.lastIndex()).toBe(4);
    expect(s.term(3)).toBe(3);
    s.setHardState({ term: 3, vote: 1n, commit: 4 });
    s.createSnapshot(3, undefined, new Uint8Array([1]));
    s.compact(3);
    expect(s.firstIndex()).toBe(4);
    expect(code(() => s.term(2))).toBe('Compacted');
    expect(code(() => s.term(9))).toBe('Unavailable');
    expect(code(() => s.entries(2, 4, 100))).toBe('Compacted');
    expect(s.entries(4, 5, 100).map((e) => e.index)).toEqual([4]);
    expect(code(() => s.createSnapshot(2, undefined, new Uint8Array(0)))).toBe('SnapOutOfDate');
  });

  it('limits entries by size but returns at least one', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1, 'x'.repeat(100)), ent(2, 1, 'y'.repeat(100))]);
    expect(s.entries(1, 3, 10)).toHaveLength(1);
    expect(s.entries(1, 3, 1000)).toHaveLength(2);
  });
});

describe('RaftLog', () => {
  it('maybeAppend truncates conflicts and commits up to the last new entry', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
    const log = new RaftLog(s, 1 << 20);
    expect(log.maybeAppend(1, 1, 10, [ent(2, 2), ent(3, 2)])).toBe(3);
    expect(log.allEntries().map((e) => e.term)).toEqual([1, 2, 2]);
    expect(log.committed).toBe(3);
    expect(log.maybeAppend(3, 1, 3, [])).toBeUndefined();
  });

  it('findConflictByTerm returns the last index with a term at most the given one', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 2), ent(3, 2), ent(4, 4), ent(5, 4)]);
    const log = new RaftLog(s, 1 << 20);
    expect(log.findConflictByTerm(5, 3)).toEqual({ index: 3, term: 2 });
    expect(log.findConflictByTerm(5, 4)).toEqual({ index: 5, term: 4 });
    expect(log.findConflictByTerm(5, 0)).toEqual({ index: 0, term: 0 });
  });

  it('isUpToDate compares last term, then last index', () => {
    const s = new MemoryStorage();
    s.append([ent(1, 1), ent(2, 2)]);
    const log = new RaftLog(s, 1 << 20);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(true);
    expect(log.isUpToDate(1, 2)).toBe(false);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });
});

describe('flow control', () => {
  it('inflights are bounded by count and bytes and freed in order', () => {
    const f = new Inflights(3, 100);
    f.add(1, 10);
    f.add(2, 10);
    expect(f.full()).toBe(false);
    f.add(5, 90);
    expect(f.full()).toBe(true);
    f.freeLE(2);
    expect(f.count).toBe(1);
    expect(f.bytes).toBe(90);
    expect(() => {
      f.add(6, 20);
      f.add(7, 1);
      f.add(8, 1);
    }).toThrow();
  });

  it('progress: probe pauses after one message, replicate pipelines, stale rejections are ignored', () => {
    const p = new Progress(5, 0, new Inflights(2, 0), false, true);
    expect(p.isPaused()).toBe(false);
    p.sentEntries(1, 10);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeUpdate(5)).toBe(true);
    p.becomeReplicate();
    expect(p.next).toBe(6);
    p.sentEntries(2, 10);
    p.sentEntries(1, 10);
    expect(p.next).toBe(9);
    expect(p.isPaused()).toBe(true);
    expect(p.maybeDecrTo(4, 0)).toBe(false); // below match: stale
    expect(p.maybeDecrTo(7, 0)).toBe(true);
    expect(p.next).toBe(6);
    p.becomeSnapshot(20);
    expect(p.state).toBe(ProgressState.Snapshot);
    expect(p.isPaused()).toBe(true);
    p.becomeProbe();
    expect(p.next).toBe(21);
  });
});
