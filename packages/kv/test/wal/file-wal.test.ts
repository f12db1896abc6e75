import { constants } from 'node:fs';
import { readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/wal/crc32.js';
import { createFileWal, listSnapshotMarkers, openFileWal, walExists } from '../../src/wal/file-wal-open.js';
import { parseSegmentFileName } from '../../src/wal/segment-name.js';
import { validateFileWalConfig } from '../../src/wal/wal-config.js';
import { isWalError, WalCorruptError } from '../../src/wal/wal-errors.js';
import { captureLogger, entries, meta, useTempDirs, view, walConfig } from './helpers.js';

const tempDir = useTempDirs();

async function segmentFiles(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith('.wal')).sort();
}

describe('file wal', () => {
  it('crc32 is the IEEE polynomial and chains', () => {
    const data = Buffer.from('123456789');
    expect(crc32(data)).toBe(0xcbf43926);
    expect(crc32(data.subarray(4), crc32(data.subarray(0, 4)))).toBe(0xcbf43926);
  });

  it('cuts preallocated segments named <seq>-<firstIndex>.wal and replays across them', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    const written = entries(1, 700, 3, 40);
    for (let i = 0; i < written.length; i += 7) {
      await wal.save({ term: 3, vote: 2n, commit: i }, written.slice(i, i + 7));
    }
    await wal.close();
    const names = await segmentFiles(cfg.dir);
    expect(names.length).toBeGreaterThan(10);
    expect(names[0]).toBe('0000000000000000-0000000000000001.wal');
    let prevFirst = 0;
    for (const [i, n] of names.entries()) {
      const s = parseSegmentFileName(n);
      expect(s?.seq).toBe(i);
      expect(s?.firstIndex).toBeGreaterThan(prevFirst);
      // Cuts fall between saves of 7 entries.
      expect(((s?.firstIndex ?? 0) - 1) % 7).toBe(0);
      prevFirst = s?.firstIndex ?? 0;
      const size = (await stat(join(cfg.dir, n))).size;
      // Full segments are cut at their used length; the newest stays preallocated.
      if (i === names.length - 1) expect(size).toBe(4096);
      else expect(size).toBeLessThanOrEqual(4096);
    }
    const { wal: again, replay } = await openFileWal(cfg, { metadata: meta });
    expect(view(replay.entries)).toEqual(view(written));
    expect(replay.hardState).toEqual({ term: 3, vote: 2n, commit: 693 });
    await again.close();
  });

  it('a batch larger than a segment gets a segment of its own', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    await wal.save(null, entries(1, 2));
    await wal.save(null, entries(3, 50, 1, 200));
    await wal.save(null, entries(51, 51));
    await wal.close();
    const names = await segmentFiles(cfg.dir);
    expect(names.length).toBe(3);
    const { wal: again, replay } = await openFileWal(cfg);
    expect(replay.entries.map((e) => e.index)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    await again.close();
  });

  it('a save larger than one write chunk is still one atomic batch', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 64 * 1024 });
    const wal = await createFileWal(cfg, meta);
    await wal.save(null, entries(1, 1));
    const big = entries(2, 11, 2, 1024 * 1024); // 10 MiB: two write chunks
    await wal.save({ term: 2, vote: 1n, commit: 11 }, big);
    await wal.close();
    const { wal: again, replay } = await openFileWal(cfg);
    expect(view(replay.entries)).toEqual(view([...entries(1, 1), ...big]));
    await again.close();
  });

  it('releaseTo deletes whole segments before the marker and keeps the ones replay needs', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    for (let i = 1; i <= 600; i += 10) await wal.save({ term: 1, vote: 0n, commit: i }, entries(i, i + 9, 1, 40));
    await wal.saveSnapshotMarker({ index: 300, term: 1 });
    await wal.save(null, entries(601, 610, 1, 40));
    const before = await segmentFiles(cfg.dir);
    await wal.releaseTo(450); // newest marker <= 450 is the one at 300
    const after = await segmentFiles(cfg.dir);
    expect(after.length).toBeLessThan(before.length);
    expect(wal.segmentNames()).toEqual(after);
    expect(after).toEqual(before.slice(before.length - after.length));
    const first = parseSegmentFileName(after[0] ?? '');
    expect(first?.firstIndex).toBeLessThanOrEqual(301);
    // Nothing newer than needed was kept: the next segment already starts after index 301.
    expect(parseSegmentFileName(after[1] ?? '')?.firstIndex).toBeGreaterThan(301);
    await wal.releaseTo(100); // no marker other than {0,0} below: keeps what is there
    expect(await segmentFiles(cfg.dir)).toEqual(after);
    await wal.close();
    const { wal: again, replay } = await openFileWal(cfg);
    expect(replay.snapshot).toEqual({ index: 300, term: 1 });
    expect(replay.entries.map((e) => e.index)).toEqual(Array.from({ length: 310 }, (_, i) => 301 + i));
    expect(replay.hardState.commit).toBe(591);
    await again.close();
  });

  it('a release to an older marker after one to a newer marker deletes nothing replay needs', async () => {
    // Found by the model property (seed 1842969577): both markers sit in the newest segment,
    // the entries after the newer one in older segments; the first release keeps those, the
    // second (to the older marker, whose own entries' segment is gone) must not drop them.
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    for (let i = 1; i <= 10; i++) await wal.save(null, entries(i, i, 1, 1500)); // a segment per 2 entries
    await wal.save(null, entries(11, 30, 1, 16)); // into the segment that starts at or below 14
    for (let i = 31; i <= 40; i++) await wal.save(null, entries(i, i, 1, 1500));
    await wal.saveSnapshotMarker({ index: 0, term: 2 });
    await wal.saveSnapshotMarker({ index: 13, term: 2 });
    await wal.releaseTo(13);
    const kept = await segmentFiles(cfg.dir);
    const firstIndexes = kept.map((n) => parseSegmentFileName(n)?.firstIndex ?? -1);
    expect(firstIndexes[0]).toBeGreaterThan(1);
    expect(firstIndexes[0]).toBeLessThanOrEqual(14);
    expect(firstIndexes[1]).toBeGreaterThan(30);
    await wal.releaseTo(0); // the marker at 0 is in the newest segment, its entries' segment is gone
    expect(await segmentFiles(cfg.dir)).toEqual(kept);
    await wal.close();
    const { wal: again, replay } = await openFileWal(cfg);
    expect(replay.snapshot).toEqual({ index: 13, term: 2 });
    expect(replay.entries.map((e) => e.index)).toEqual(Array.from({ length: 27 }, (_, i) => 14 + i));
    await again.close();
  });

  it('lists snapshot markers without replaying, for choosing a snapshot file', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    for (let i = 1; i <= 200; i += 10) {
      await wal.save(null, entries(i, i + 9, 1, 40));
      if (i % 50 === 1) await wal.saveSnapshotMarker({ index: i, term: 1 });
    }
    await wal.close();
    expect(await listSnapshotMarkers(cfg)).toEqual([
      { index: 0, term: 0 },
      { index: 1, term: 1 },
      { index: 51, term: 1 },
      { index: 101, term: 1 },
      { index: 151, term: 1 },
    ]);
  });

  it('warns on a slow sync with its duration', async () => {
    const logger = captureLogger();
    let t = 0;
    const cfg = walConfig(await tempDir(), { logger, slowSyncMs: 500, nowMs: () => (t += 300) });
    const wal = await createFileWal(cfg, meta);
    await wal.save(null, entries(1, 1)); // 300 ms: not slow
    expect(logger.lines).toEqual([]);
    const fast = cfg.nowMs;
    cfg.nowMs = () => (t += 1500);
    await wal.save(null, entries(2, 2));
    cfg.nowMs = fast;
    await wal.close();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]?.msg).toBe('slow wal sync');
    expect(logger.lines[0]?.fields).toMatchObject({ durationMs: 1500, expectedMs: 500 });
  });

  it('appends through a descriptor open with O_DSYNC, after create and after reopen', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    // the flags of this process's open descriptors on files in the WAL dir (/proc/self/fdinfo)
    const walFdFlags = async (): Promise<number[]> => {
      const flags: number[] = [];
      for (const fd of await readdir('/proc/self/fd')) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
        if (!target.startsWith(`${cfg.dir}/`)) continue;
        const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
        flags.push(Number.parseInt(/^flags:\s+([0-7]+)/m.exec(info)?.[1] ?? '0', 8));
      }
      return flags;
    };
    const created = await createFileWal(cfg, meta);
    await created.save(null, entries(1, 3));
    expect((await walFdFlags()).map((f) => f & constants.O_DSYNC)).toEqual([constants.O_DSYNC]);
    await created.close();
    expect(await walFdFlags()).toEqual([]);
    const { wal: reopened } = await openFileWal(cfg, { metadata: meta });
    await reopened.save(null, entries(4, 200, 1, 40)); // cuts new segments: each is open O_DSYNC
    expect((await walFdFlags()).map((f) => f & constants.O_DSYNC)).toEqual([constants.O_DSYNC]);
    await reopened.close();
  });

  it('create refuses an existing wal; open refuses a missing one', async () => {
    const cfg = walConfig(await tempDir());
    expect(await walExists(cfg.dir)).toBe(false);
    const err1 = await openFileWal(cfg).catch((e: unknown) => e);
    expect(isWalError(err1, 'not-found')).toBe(true);
    await (await createFileWal(cfg, meta)).close();
    expect(await walExists(cfg.dir)).toBe(true);
    const err2 = await createFileWal(cfg, meta).catch((e: unknown) => e);
    expect(isWalError(err2, 'exists')).toBe(true);
  });

  it('ignores and removes a half-made segment left by a crash during a cut', async () => {
    const cfg = walConfig(await tempDir());
    const wal = await createFileWal(cfg, meta);
    await wal.save(null, entries(1, 3));
    await wal.close();
    const stray = join(cfg.dir, '0000000000000001-0000000000000004.wal.tmp');
    await writeFile(stray, Buffer.alloc(100, 7));
    const { wal: again, replay } = await openFileWal(cfg);
    expect(replay.entries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(await readdir(cfg.dir)).not.toContain('0000000000000001-0000000000000004.wal.tmp');
    await again.close();
  });

  it('refuses a wal with a missing middle segment', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    for (let i = 1; i <= 300; i += 10) await wal.save(null, entries(i, i + 9, 1, 40));
    await wal.close();
    const names = await segmentFiles(cfg.dir);
    const { rm } = await import('node:fs/promises');
    await rm(join(cfg.dir, names[1] ?? ''));
    const err = await openFileWal(cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).reason).toContain('segment 1 is missing');
  });

  it('refuses a record over the configured size limit on read', async () => {
    const cfg = walConfig(await tempDir());
    const wal = await createFileWal(cfg, meta);
    await wal.save(null, entries(1, 1, 1, 2000));
    await wal.save(null, entries(2, 3));
    await wal.close();
    const err = await openFileWal({ ...cfg, maxRecordBytes: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).reason).toContain('exceeds the limit 1000');
  });

  it('validates its config once, naming the field', () => {
    const cfg = walConfig('/tmp/x', { segmentBytes: 100 });
    expect(() => validateFileWalConfig(cfg)).toThrow(/segment-bytes \(100\)/);
    expect(() => validateFileWalConfig({ ...cfg, segmentBytes: 4096, slowSyncMs: -1 })).toThrow(/slow-sync-ms/);
  });

  it('keeps files byte-identical across an open with nothing to repair', async () => {
    const cfg = walConfig(await tempDir());
    const wal = await createFileWal(cfg, meta);
    await wal.save({ term: 1, vote: 1n, commit: 1 }, entries(1, 5));
    await wal.close();
    const [name] = await segmentFiles(cfg.dir);
    const before = await readFile(join(cfg.dir, name ?? ''));
    const { wal: again } = await openFileWal(cfg);
    await again.close();
    expect((await readFile(join(cfg.dir, name ?? ''))).equals(before)).toBe(true);
  });
});
