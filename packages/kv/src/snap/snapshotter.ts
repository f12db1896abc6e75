// Snapshot files in `<data-dir>/member/snap`: written whole under a temporary name, synced,
// renamed and the directory synced; loaded newest first, skipping (and setting aside) files
// that fail verification; pruned to the newest `keep`.

import { mkdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, listDir } from '../wal/fs-util.js';
import type { SnapshotMetadata } from '../wal/raft-types.js';
import { type SnapshotterConfig, validateSnapshotterConfig } from './snap-config.js';
import { SnapCorruptError, SnapError } from './snap-errors.js';
import { type SnapshotFile, snapshotDataStream, verifySnapshotFile, writeSnapshotFile } from './snap-file.js';
import { parseSnapFileName, snapFileName } from './snap-name.js';

export interface Snapshot {
  metadata: SnapshotMetadata;
  data: Uint8Array;
}

export class Snapshotter {
  private readonly config: SnapshotterConfig;

  constructor(config: SnapshotterConfig) {
    this.config = validateSnapshotterConfig(config);
  }

  /** Durably writes the snapshot, then prunes old ones. Returns the file's path. */
  async save(snapshot: Snapshot): Promise<string> {
    if (snapshot.data.byteLength > this.config.maxSnapshotBytes) {
      throw new SnapError(
        'too-large',
        `snap: snapshot data is ${snapshot.data.byteLength} bytes, over the limit ${this.config.maxSnapshotBytes}`,
      );
    }
    return this.saveFrom(snapshot.metadata, [snapshot.data]);
  }

  /** As save, with the data coming from a stream of chunks (e.g. a backend's export). */
  async saveFrom(
    metadata: SnapshotMetadata,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  ): Promise<string> {
    await mkdir(this.config.dir, { recursive: true });
    const path = join(this.config.dir, snapFileName(metadata.term, metadata.index));
    await writeSnapshotFile(this.config.dir, path, metadata, source, this.config);
    await this.prune();
    return path;
  }

  /**
   * The newest snapshot that verifies (and that `accept` takes, if given: e.g. one the WAL
   * has a marker for), or null. Corrupt files are renamed to `.broken` with a warning.
   */
  async loadNewest(accept?: (metadata: SnapshotMetadata) => boolean): Promise<Snapshot | null> {
    const found = await this.findNewest(accept, true);
    return found === null ? null : { metadata: found.metadata, data: found.data ?? Buffer.alloc(0) };
  }

  /**
   * As loadNewest, but verifies in chunks and returns where the data lies instead of the
   * data; read it with `dataStream`.
   */
  async loadNewestFile(accept?: (metadata: SnapshotMetadata) => boolean): Promise<SnapshotFile | null> {
    const found = await this.findNewest(accept, false);
    if (found === null) return null;
    const { path, metadata, dataOffset, dataBytes } = found;
    return { path, metadata, dataOffset, dataBytes };
  }

  dataStream(file: SnapshotFile): AsyncIterable<Buffer> {
    return snapshotDataStream(file, this.config.chunkBytes);
  }

  /** The snapshot file names, newest first; stray temporary files are removed. */
  async names(): Promise<string[]> {
    const all = (await listDir(this.config.dir)) ?? [];
    for (const n of all) if (n.endsWith('.snap.tmp')) await unlink(join(this.config.dir, n));
    const parsed = all.flatMap((name) => {
      const p = parseSnapFileName(name);
      return p === null ? [] : [{ name, ...p }];
    });
    parsed.sort((a, b) => b.index - a.index || b.term - a.term);
    return parsed.map((p) => p.name);
  }

  private async findNewest(accept: ((m: SnapshotMetadata) => boolean) | undefined, keepData: boolean) {
    for (const name of await this.names()) {
      const path = join(this.config.dir, name);
      let file: Awaited<ReturnType<typeof verifySnapshotFile>>;
      try {
        file = await verifySnapshotFile(path, this.config, keepData);
        const { index, term } = file.metadata;
        const named = parseSnapFileName(name);
        if (named?.index !== index || named.term !== term) {
          throw new SnapCorruptError(path, `metadata (index ${index}, term ${term}) != name`);
        }
      } catch (err) {
        if (!(err instanceof SnapCorruptError)) throw err;
        await rename(path, `${path}.broken`);
        this.config.logger.warn({ file: path, reason: err.reason }, 'snapshot file corrupt, set aside as .broken');
        continue;
      }
      if (accept === undefined || accept(file.metadata)) return file;
    }
    return null;
  }

  private async prune(): Promise<void> {
    const doomed = (await this.names()).slice(this.config.keep);
    for (const n of doomed) await unlink(join(this.config.dir, n));
    if (doomed.length > 0) await fsyncDir(this.config.dir);
  }
}

/** Reads and verifies one snapshot file into memory; SnapCorruptError if it does not verify. */
export async function readSnapshotFile(
  path: string,
  limits: Pick<SnapshotterConfig, 'maxSnapshotBytes' | 'chunkBytes'>,
): Promise<Snapshot> {
  const file = await verifySnapshotFile(path, limits, true);
  return { metadata: file.metadata, data: file.data ?? Buffer.alloc(0) };
}
