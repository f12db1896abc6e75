// A real crash: a child process appends to the WAL, reporting each acknowledged save; it is
// killed with SIGKILL mid-stream, and every acknowledged entry must be there on reopen.

import { type ChildProcess, spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openFileWal } from '../../src/wal/file-wal-open.js';
import { defaultFileWalConfig, walDirOf } from '../../src/wal/wal-config.js';
import { crashPayload } from './fixtures/crash-payload.js';
import { captureLogger, useTempDirs } from './helpers.js';

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = join(here, '..', '..');
const SEGMENT_BYTES = 16 * 1024;
const tempDir = useTempDirs();

/** Runs the child until it has acknowledged `acks` saves, then kills it with SIGKILL. */
async function runAndKill(dataDir: string, acks: number): Promise<number> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'fixtures', 'crash-child.ts'), dataDir, String(SEGMENT_BYTES)],
    { cwd: packageDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let maxAcked = 0;
  let seen = 0;
  const enough = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child acked only ${seen} saves in 30s: ${stderr}`)), 30_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const m = /^acked (\d+)$/.exec(line);
      if (m === null) return;
      maxAcked = Math.max(maxAcked, Number(m[1]));
      seen++;
      if (seen === acks) {
        // Kill right away, while the child is in the middle of its next save.
        child.kill('SIGKILL');
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then(({ code }) => {
      if (seen < acks) {
        clearTimeout(timer);
        reject(new Error(`child exited with ${code} after ${seen} acks: ${stderr}`));
      }
    });
  });
  await enough;
  const { signal } = await exited;
  expect(signal).toBe('SIGKILL');
  return maxAcked;
}

describe('wal crash safety (kill -9)', () => {
  it('every acknowledged entry survives repeated SIGKILLs, and the log stays contiguous', async () => {
    const dataDir = await tempDir();
    const cfg = { ...defaultFileWalConfig(walDirOf(dataDir), captureLogger()), segmentBytes: SEGMENT_BYTES };
    let previousLast = 0;
    for (const acks of [150, 400, 90]) {
      const maxAcked = await runAndKill(dataDir, acks);
      expect(maxAcked).toBeGreaterThan(previousLast);
      const { wal, replay } = await openFileWal(cfg, { metadata: { clusterId: 7n, memberId: 9n } });
      const indexes = replay.entries.map((e) => e.index);
      expect(indexes[0]).toBe(1);
      expect(indexes.length).toBeGreaterThanOrEqual(maxAcked);
      for (const [i, e] of replay.entries.entries()) {
        expect(e.index).toBe(i + 1);
        expect(Buffer.from(e.data).equals(Buffer.from(crashPayload(e.index)))).toBe(true);
      }
      expect(replay.hardState.vote).toBe(9n);
      previousLast = wal.lastIndex();
      await wal.close();
    }
    const segments = (await readdir(cfg.dir)).filter((n) => n.endsWith('.wal'));
    expect(segments.length).toBeGreaterThan(3);
  });
});
