// The start-up flow across both stores: newest usable snapshot file, then the WAL from its marker.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSnapshotterConfig, snapDirOf } from '../../src/snap/snap-config.js';
import { Snapshotter } from '../../src/snap/snapshotter.js';
import { createFileWal, listSnapshotMarkers, openFileWal } from '../../src/wal/file-wal-open.js';
import type { Entry, SnapshotMetadata } from '../../src/wal/raft-types.js';
import { defaultFileWalConfig, walDirOf } from '../../src/wal/wal-config.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const logger = { warn: () => undefined };
const member = { clusterId: 5n, memberId: 6n };

function entry(index: number): Entry {
  return { term: 1, index, type: 0, data: Buffer.from(`put k${index}`) };
}

function meta(index: number): SnapshotMetadata {
  return {
    index,
    term: 1,
    confState: { voters: [6n], learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
  };
}

describe('recovery from snapshot file + wal', () => {
  it('falls back to the older snapshot when the newest file is corrupt, replaying the wal from its marker', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'kv-recover-'));
    dirs.push(dataDir);
    const walCfg = { ...defaultFileWalConfig(walDirOf(dataDir), logger), segmentBytes: 4096 };
    const snapshotter = new Snapshotter(defaultSnapshotterConfig(snapDirOf(dataDir), logger));
    const wal = await createFileWal(walCfg, member);
    for (let i = 1; i <= 300; i++) await wal.save({ term: 1, vote: 6n, commit: i - 1 }, [entry(i)]);
    for (const index of [100, 200]) {
      await snapshotter.save({ metadata: meta(index), data: Buffer.from(`state at ${index}`) });
      await wal.saveSnapshotMarker({ index, term: 1 });
      await wal.releaseTo(index - 50); // keeps what the previous snapshot needs
    }
    await wal.close();

    const newest = join(snapDirOf(dataDir), '0000000000000001-00000000000000c8.snap');
    const bytes = await readFile(newest);
    bytes[bytes.length - 12] = (bytes[bytes.length - 12] ?? 0) ^ 1;
    await writeFile(newest, bytes);

    const markers = await listSnapshotMarkers(walCfg);
    const snap = await snapshotter.loadNewest((m) => markers.some((k) => k.index === m.index && k.term === m.term));
    expect(snap?.metadata.index).toBe(100);
    expect(Buffer.from(snap?.data ?? []).toString()).toBe('state at 100');
    const { wal: again, replay } = await openFileWal(walCfg, {
      metadata: member,
      snapshot: { index: snap?.metadata.index ?? 0, term: 1 },
    });
    expect(replay.entries.map((e) => e.index)).toEqual(Array.from({ length: 200 }, (_, i) => 101 + i));
    expect(replay.hardState.commit).toBe(299);
    await again.close();
  });
});
