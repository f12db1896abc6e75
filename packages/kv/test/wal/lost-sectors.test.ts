// A power cut during the last save can persist any subset of its sectors. Every subset must
// replay as "that save lost" (or, all sectors kept, as "that save done"), never as corruption.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileWal, openFileWal } from '../../src/wal/file-wal-open.js';
import { scanSegment } from '../../src/wal/segment-scanner.js';
import { entries, meta, useTempDirs, view, walConfig } from './helpers.js';

const tempDir = useTempDirs();
const SECTOR = 512;

/** Deterministic generator (mulberry32) so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('lost sectors of the last save', () => {
  it('every subset of persisted sectors replays as the save lost or whole', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 16 * 1024 });
    const wal = await createFileWal(cfg, meta);
    for (let b = 0; b < 4; b++) await wal.save({ term: 1, vote: 1n, commit: b }, entries(b * 2 + 1, b * 2 + 2, 1, 30));
    const lastBatch = entries(9, 40, 2, 100); // ~4.3 KiB: spans 9-10 sectors
    await wal.save({ term: 2, vote: 1n, commit: 8 }, lastBatch);
    await wal.close();
    const [name] = (await readdir(cfg.dir)).filter((n) => n.endsWith('.wal'));
    const file = join(cfg.dir, name ?? '');
    const full = await readFile(file);
    const scanned = scanSegment(full, { file, isLast: true, maxRecordBytes: cfg.maxRecordBytes, expectedBatchSeq: 0 });
    const last = scanned.batches[scanned.batches.length - 1] ?? { start: 0, end: 0 };
    const firstSector = Math.floor(last.start / SECTOR);
    const sectors = Math.ceil(last.end / SECTOR) - firstSector;
    expect(sectors).toBeGreaterThanOrEqual(9);
    const lost = view(entries(1, 8, 1, 30));
    const done = view([...entries(1, 8, 1, 30), ...lastBatch]);

    const check = async (disk: Buffer, label: string) => {
      await writeFile(file, disk);
      const result = await openFileWal(cfg).catch((e: unknown) => e);
      expect(result, label).not.toBeInstanceOf(Error);
      const { wal: w, replay } = result as Awaited<ReturnType<typeof openFileWal>>;
      const got = view(replay.entries);
      expect([lost, done], label).toContainEqual(got);
      await w.close();
      return got.length === done.length;
    };

    // The sector holding the batch start also holds earlier synced bytes: only the part from
    // last.start on can be lost. Exhaustive over subsets of the first 9 sectors, the rest kept
    // or lost with the last one.
    const n = Math.min(sectors, 9);
    let whole = 0;
    for (let mask = 0; mask < 1 << n; mask++) {
      const disk = Buffer.from(full);
      for (let s = 0; s < sectors; s++) {
        const keep = ((mask >> Math.min(s, n - 1)) & 1) === 1;
        if (keep) continue;
        const from = Math.max(last.start, (firstSector + s) * SECTOR);
        disk.fill(0, from, Math.min(last.end, (firstSector + s + 1) * SECTOR));
      }
      if (await check(disk, `mask ${mask.toString(2)}`)) whole++;
    }
    expect(whole).toBe(1); // only when every sector made it

    // Unwritten sectors holding garbage instead of zeros (seeded).
    for (let seed = 1; seed <= 40; seed++) {
      const next = rng(seed);
      const disk = Buffer.from(full);
      for (let s = 0; s < sectors; s++) {
        if (next() < 0.5) continue;
        const from = Math.max(last.start, (firstSector + s) * SECTOR);
        const to = Math.min(last.end, (firstSector + s + 1) * SECTOR);
        for (let i = from; i < to; i++) disk[i] = Math.floor(next() * 256);
      }
      await check(disk, `seed ${seed}`);
    }
  });
});
