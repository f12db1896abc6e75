// Damage on disk: torn or zeroed tails are truncated; damage before the tail is refused.

import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileWal, openFileWal } from '../../src/wal/file-wal-open.js';
import type { Entry } from '../../src/wal/raft-types.js';
import { scanSegment } from '../../src/wal/segment-scanner.js';
import type { FileWalConfig } from '../../src/wal/wal-config.js';
import { WalCorruptError } from '../../src/wal/wal-errors.js';
import { captureLogger, entries, meta, useTempDirs, view, walConfig } from './helpers.js';

const tempDir = useTempDirs();
const SEGMENT_BYTES = 8192;

interface Written {
  cfg: FileWalConfig;
  file: string;
  original: Buffer;
  /** Byte ranges of the data batches (after the header batch), in order. */
  batches: Array<{ start: number; end: number }>;
  /** Entries replay must return if the batches from `k` on are lost. */
  upTo: (k: number) => Entry[];
}

/** One segment holding 5 saves of 3 entries each (entries 1..15). */
async function writeFive(over: Partial<FileWalConfig> = {}): Promise<Written> {
  const cfg = walConfig(await tempDir(), { segmentBytes: SEGMENT_BYTES, ...over });
  const wal = await createFileWal(cfg, meta);
  for (let b = 0; b < 5; b++)
    await wal.save({ term: 1, vote: 1n, commit: 3 * b }, entries(3 * b + 1, 3 * b + 3, 1, 20));
  await wal.close();
  const [name] = (await readdir(cfg.dir)).filter((n) => n.endsWith('.wal'));
  const file = join(cfg.dir, name ?? '');
  const original = await readFile(file);
  const scanned = scanSegment(original, {
    file,
    isLast: true,
    maxRecordBytes: cfg.maxRecordBytes,
    expectedBatchSeq: 0,
  });
  const batches = scanned.batches.slice(1).map((b) => ({ start: b.start, end: b.end }));
  expect(batches).toHaveLength(5);
  return { cfg, file, original, batches, upTo: (k) => entries(1, 3 * k, 1, 20) };
}

function flipBit(buf: Buffer, offset: number): Buffer {
  const copy = Buffer.from(buf);
  copy[offset] = (copy[offset] ?? 0) ^ 0x10;
  return copy;
}

describe('torn and corrupt wal tails', () => {
  it('a tail torn at every byte offset of the last batch replays everything before it', async () => {
    const w = await writeFive();
    const last = w.batches[4] ?? { start: 0, end: 0 };
    const lost = view(w.upTo(4));
    let intact = 0;
    for (let cut = last.start; cut < last.end; cut++) {
      // As written (file ends at the tear) and as preallocated (zeros after the tear). A tear
      // that only drops trailing zero bytes leaves the preallocated file identical to the original.
      const shortFile = w.original.subarray(0, cut);
      const padded = Buffer.concat([shortFile, Buffer.alloc(SEGMENT_BYTES - cut)]);
      const onlyZerosLost = w.original.subarray(cut, last.end).every((b) => b === 0);
      if (onlyZerosLost) intact++;
      for (const [bytes, expected] of [
        [shortFile, lost],
        [padded, onlyZerosLost ? view(w.upTo(5)) : lost],
      ] as const) {
        await writeFile(w.file, bytes);
        const { wal, replay } = await openFileWal(w.cfg);
        expect(view(replay.entries), `cut at ${cut} of ${bytes.length}`).toEqual(expected);
        expect(replay.hardState.commit).toBe(expected === lost ? 9 : 12);
        await wal.close();
      }
    }
    expect(intact).toBeLessThan(8);
  });

  it('after truncating a torn tail, appends land and stale bytes never resurface', async () => {
    const w = await writeFive();
    const last = w.batches[4] ?? { start: 0, end: 0 };
    // Keep the damaged batch's seal: garbage + a valid seal of the lost batch stay on disk until zeroed.
    await writeFile(w.file, flipBit(w.original, last.start + 12));
    const logger = captureLogger();
    const first = await openFileWal({ ...w.cfg, logger });
    expect(view(first.replay.entries)).toEqual(view(w.upTo(4)));
    expect(logger.lines.map((l) => l.msg)).toEqual(['wal torn tail truncated']);
    expect(logger.lines[0]?.fields).toMatchObject({ file: w.file, offset: last.start, reason: 'crc mismatch' });
    await first.wal.save(null, entries(13, 13, 2, 4)); // a shorter batch over the old one
    await first.wal.close();
    // Tear that new batch: the old batch's seal must not be mistaken for later valid data.
    const now = await readFile(w.file);
    await writeFile(w.file, flipBit(now, last.start + 12));
    const second = await openFileWal(w.cfg);
    expect(view(second.replay.entries)).toEqual(view(w.upTo(4)));
    await second.wal.save(null, entries(13, 14, 2, 8));
    await second.wal.close();
    const third = await openFileWal(w.cfg);
    expect(view(third.replay.entries)).toEqual(view([...w.upTo(4), ...entries(13, 14, 2, 8)]));
    await third.wal.close();
  });

  it('a zeroed tail (preallocated space never written) is the end of the log', async () => {
    const w = await writeFive();
    const last = w.batches[4] ?? { start: 0, end: 0 };
    const zeroed = Buffer.from(w.original);
    zeroed.fill(0, last.start, last.end);
    await writeFile(w.file, zeroed);
    const { wal, replay } = await openFileWal(w.cfg);
    expect(view(replay.entries)).toEqual(view(w.upTo(4)));
    await wal.close();
  });

  it('a zeroed block inside the last batch, its seal intact, is a torn tail', async () => {
    const w = await writeFive();
    const last = w.batches[4] ?? { start: 0, end: 0 };
    const zeroed = Buffer.from(w.original);
    zeroed.fill(0, last.start, last.start + 48);
    await writeFile(w.file, zeroed);
    const { wal, replay } = await openFileWal(w.cfg);
    expect(view(replay.entries)).toEqual(view(w.upTo(4)));
    await wal.close();
  });

  it('a flipped bit in the last record is truncated away', async () => {
    const w = await writeFive();
    const last = w.batches[4] ?? { start: 0, end: 0 };
    for (const offset of [last.start, last.start + 9, last.end - 20, last.end - 1]) {
      await writeFile(w.file, flipBit(w.original, offset));
      const { wal, replay } = await openFileWal(w.cfg);
      expect(view(replay.entries), `bit at ${offset}`).toEqual(view(w.upTo(4)));
      await wal.close();
    }
  });

  it('a flipped bit before the tail is a WalCorruptError naming the file and offset', async () => {
    const w = await writeFive();
    for (const k of [0, 2, 3]) {
      const batch = w.batches[k] ?? { start: 0, end: 0 };
      await writeFile(w.file, flipBit(w.original, batch.start + 30));
      const err = await openFileWal(w.cfg).catch((e: unknown) => e);
      expect(err, `batch ${k}`).toBeInstanceOf(WalCorruptError);
      expect((err as WalCorruptError).file).toBe(w.file);
      expect((err as WalCorruptError).offset).toBe(batch.start);
      expect((err as WalCorruptError).message).toContain(w.file);
      // Refusal leaves the file untouched.
      expect((await readFile(w.file)).equals(flipBit(w.original, batch.start + 30))).toBe(true);
    }
  });

  it('a zeroed block before the tail is refused too', async () => {
    const w = await writeFive();
    const batch = w.batches[2] ?? { start: 0, end: 0 };
    const zeroed = Buffer.from(w.original);
    zeroed.fill(0, batch.start, batch.end);
    await writeFile(w.file, zeroed);
    const err = await openFileWal(w.cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).offset).toBe(batch.start);
  });

  it('a damaged segment header is refused', async () => {
    const w = await writeFive();
    await writeFile(w.file, flipBit(w.original, 12));
    const err = await openFileWal(w.cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).offset).toBe(0);
  });

  it('any damage in a segment that is not the last is refused, even in its last record', async () => {
    const cfg = walConfig(await tempDir(), { segmentBytes: 4096 });
    const wal = await createFileWal(cfg, meta);
    for (let i = 1; i <= 300; i += 10) await wal.save(null, entries(i, i + 9, 1, 40));
    await wal.close();
    const names = (await readdir(cfg.dir)).filter((n) => n.endsWith('.wal')).sort();
    expect(names.length).toBeGreaterThan(2);
    const file = join(cfg.dir, names[1] ?? '');
    const original = await readFile(file);
    await writeFile(file, flipBit(original, original.length - 3));
    const err = await openFileWal(cfg).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WalCorruptError);
    expect((err as WalCorruptError).file).toBe(file);
    // And a non-last segment cut short is refused, not treated as a torn tail.
    await writeFile(file, original.subarray(0, original.length - 8));
    const err2 = await openFileWal(cfg).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(WalCorruptError);
  });

  it('a flipped bit anywhere: refused before the last batch, truncated in it, harmless after it', async () => {
    const w = await writeFive();
    const header = { start: 0, end: w.batches[0]?.start ?? 0 };
    const last = w.batches[4] ?? { start: 0, end: 0 };
    const outcomes = { corrupt: 0, truncated: 0, intact: 0 };
    for (let at = 0; at < last.end + 64; at++) {
      await writeFile(w.file, flipBit(w.original, at));
      const result = await openFileWal(w.cfg).catch((e: unknown) => e);
      if (at < last.start) {
        expect(result, `bit at ${at}`).toBeInstanceOf(WalCorruptError);
        const err = result as WalCorruptError;
        const batch = at < header.end ? header : w.batches.find((b) => b.start <= at && at < b.end);
        expect(err.offset).toBeGreaterThanOrEqual(batch?.start ?? -1);
        expect(err.offset).toBeLessThanOrEqual(at);
        outcomes.corrupt++;
        continue;
      }
      expect(result, `bit at ${at}`).not.toBeInstanceOf(Error);
      const { wal, replay } = result as Awaited<ReturnType<typeof openFileWal>>;
      const expected = at < last.end ? w.upTo(4) : w.upTo(5);
      expect(view(replay.entries), `bit at ${at}`).toEqual(view(expected));
      await wal.close();
      if (at < last.end) outcomes.truncated++;
      else outcomes.intact++;
    }
    expect(outcomes.corrupt).toBe(w.batches[4]?.start);
    expect(outcomes.truncated).toBe(last.end - last.start);
  });
});
