import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSnapshotterConfig, type SnapshotterConfig, snapDirOf } from '../../src/snap/snap-config.js';
import { SnapCorruptError, SnapError } from '../../src/snap/snap-errors.js';
import { readSnapshotFile, type Snapshot, Snapshotter } from '../../src/snap/snapshotter.js';
import type { SnapshotMetadata } from '../../src/wal/raft-types.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

function captureLogger() {
  const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
  return { lines, warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) };
}

async function setup(over: Partial<SnapshotterConfig> = {}) {
  const d = await mkdtemp(join(tmpdir(), 'kv-snap-'));
  dirs.push(d);
  const logger = captureLogger();
  const config = { ...defaultSnapshotterConfig(snapDirOf(d), logger), chunkBytes: 64 * 1024, ...over };
  return { config, logger, snap: new Snapshotter(config) };
}

function metadata(index: number, term: number): SnapshotMetadata {
  return {
    index,
    term,
    confState: {
      voters: [1n, 2n, 0xffff_ffff_ffff_ffffn],
      learners: [4n],
      votersOutgoing: [1n, 2n, 3n],
      learnersNext: [],
      autoLeave: true,
    },
  };
}

function blob(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function same(a: Snapshot | null, b: Snapshot): void {
  expect(a?.metadata).toEqual(b.metadata);
  expect(Buffer.from(a?.data ?? new Uint8Array()).equals(Buffer.from(b.data))).toBe(true);
}

describe('Snapshotter', () => {
  it('round-trips metadata and a multi-chunk blob through <term>-<index>.snap', async () => {
    const { snap, config } = await setup();
    const s = { metadata: metadata(1234, 7), data: blob(3 * 64 * 1024 + 17, 1) };
    const path = await snap.save(s);
    expect(path).toBe(join(config.dir, '0000000000000007-00000000000004d2.snap'));
    expect(await readdir(config.dir)).toEqual(['0000000000000007-00000000000004d2.snap']);
    same(await snap.loadNewest(), s);
    same(await new Snapshotter(config).loadNewest(), s);
  });

  it('an empty directory or data blob is fine', async () => {
    const { snap } = await setup();
    expect(await snap.loadNewest()).toBeNull();
    const s = { metadata: metadata(1, 1), data: new Uint8Array() };
    await snap.save(s);
    same(await snap.loadNewest(), s);
  });

  it('loads the newest by index', async () => {
    const { snap } = await setup();
    const older = { metadata: metadata(0x100, 2), data: blob(100, 2) };
    const newer = { metadata: metadata(0xf00, 3), data: blob(100, 3) };
    await snap.save(newer);
    await snap.save(older);
    same(await snap.loadNewest(), newer);
  });

  it('skips a corrupt newest snapshot, renames it .broken with a warning, and falls back', async () => {
    const { snap, config, logger } = await setup();
    const a = { metadata: metadata(100, 1), data: blob(5000, 4) };
    const b = { metadata: metadata(200, 1), data: blob(5000, 5) };
    await snap.save(a);
    const bPath = await snap.save(b);
    const bytes = await readFile(bPath);
    bytes[2000] = (bytes[2000] ?? 0) ^ 1;
    await writeFile(bPath, bytes);
    same(await snap.loadNewest(), a);
    expect((await readdir(config.dir)).sort()).toEqual([
      '0000000000000001-0000000000000064.snap',
      '0000000000000001-00000000000000c8.snap.broken',
    ]);
    expect(logger.lines).toEqual([
      { msg: 'snapshot file corrupt, set aside as .broken', fields: { file: bPath, reason: 'crc mismatch' } },
    ]);
  });

  it('treats truncated, mislabelled and garbage files as corrupt', async () => {
    const { snap, config } = await setup();
    const good = { metadata: metadata(10, 1), data: blob(1000, 6) };
    const goodPath = await snap.save(good);
    const bytes = await readFile(goodPath);
    await writeFile(join(config.dir, '0000000000000001-0000000000000014.snap'), bytes.subarray(0, bytes.length - 1));
    await writeFile(join(config.dir, '0000000000000001-000000000000001e.snap'), bytes); // says index 30, holds 10
    await writeFile(join(config.dir, '0000000000000001-0000000000000028.snap'), Buffer.alloc(100, 0xab));
    same(await snap.loadNewest(), good);
    expect((await readdir(config.dir)).filter((n) => n.endsWith('.broken'))).toHaveLength(3);
    const err = await readSnapshotFile(join(config.dir, '0000000000000001-0000000000000014.snap.broken'), config).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SnapCorruptError);
    expect((err as SnapCorruptError).reason).toContain('does not match its header');
  });

  it('the accept filter passes over snapshots the caller cannot use', async () => {
    const { snap } = await setup();
    const a = { metadata: metadata(100, 1), data: blob(10, 7) };
    await snap.save(a);
    await snap.save({ metadata: metadata(200, 1), data: blob(10, 8) });
    same(await snap.loadNewest((m) => m.index <= 150), a);
  });

  it('prunes to the newest `keep` files and removes stray temporary files', async () => {
    const { snap, config } = await setup({ keep: 3 });
    for (let i = 1; i <= 6; i++) await snap.save({ metadata: metadata(i * 10, 1), data: blob(10, i) });
    await writeFile(join(config.dir, '0000000000000001-0000000000000063.snap.tmp'), 'partial');
    expect(await snap.names()).toEqual([
      '0000000000000001-000000000000003c.snap',
      '0000000000000001-0000000000000032.snap',
      '0000000000000001-0000000000000028.snap',
    ]);
    expect((await readdir(config.dir)).sort()).toEqual([
      '0000000000000001-0000000000000028.snap',
      '0000000000000001-0000000000000032.snap',
      '0000000000000001-000000000000003c.snap',
    ]);
  });

  it('bounds snapshot size on save and on load', async () => {
    const { snap, config } = await setup({ maxSnapshotBytes: 1000 });
    const err = await snap.save({ metadata: metadata(1, 1), data: blob(1001, 9) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnapError);
    expect((err as SnapError).code).toBe('too-large');
    const big = new Snapshotter({ ...config, maxSnapshotBytes: 5000 });
    const path = await big.save({ metadata: metadata(2, 1), data: blob(2000, 9) });
    // Over the limit on load is an operating error, not corruption: the file is left alone.
    const err2 = await snap.loadNewest().catch((e: unknown) => e);
    expect((err2 as SnapError).code).toBe('too-large');
    expect(await readdir(config.dir)).toEqual(['0000000000000001-0000000000000002.snap']);
    same(await big.loadNewest(), { metadata: metadata(2, 1), data: blob(2000, 9) });
    expect(path).toContain('0000000000000002.snap');
  });

  it('streams: saveFrom an async source, verify in chunks, read the data back as a stream', async () => {
    const { snap, config } = await setup({ chunkBytes: 4096 });
    const data = blob(300_000, 11);
    async function* source() {
      for (let off = 0; off < data.length; off += 7777) yield data.subarray(off, off + 7777);
    }
    await snap.saveFrom(metadata(77, 4), source());
    const file = await snap.loadNewestFile();
    expect(file?.metadata).toEqual(metadata(77, 4));
    expect(file?.dataBytes).toBe(data.length);
    const chunks: Buffer[] = [];
    if (file !== null) for await (const c of snap.dataStream(file)) chunks.push(c);
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).equals(Buffer.from(data))).toBe(true);
    // A stream over the limit is refused midway and leaves nothing behind.
    const small = new Snapshotter({ ...config, maxSnapshotBytes: 100_000 });
    const err = await small.saveFrom(metadata(99, 4), source()).catch((e: unknown) => e);
    expect((err as SnapError).code).toBe('too-large');
    expect(await readdir(config.dir)).toEqual(['0000000000000004-000000000000004d.snap']);
  });

  it('loadNewestFile also sets a corrupt newest file aside', async () => {
    const { snap, config } = await setup({ chunkBytes: 4096 });
    await snap.save({ metadata: metadata(1, 1), data: blob(10_000, 12) });
    const path = await snap.save({ metadata: metadata(2, 1), data: blob(10_000, 13) });
    const bytes = await readFile(path);
    bytes[9000] = (bytes[9000] ?? 0) ^ 0x80;
    await writeFile(path, bytes);
    expect((await snap.loadNewestFile())?.metadata.index).toBe(1);
    expect(await readdir(config.dir)).toContain('0000000000000001-0000000000000002.snap.broken');
  });
});
