// WAL micro-benchmark: save() latency, fdatasync latency and entries/s for batches of 1, 16
// and 256 entries of 256 bytes, plus a raw write+fdatasync baseline on the same disk.
// Run from packages/kv: node --import tsx src/wal/bench.ts [dir] [seconds-per-case]

import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileWal } from './file-wal-open.js';
import type { Entry } from './raft-types.js';
import { defaultFileWalConfig } from './wal-config.js';

const VALUE_BYTES = 256;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `mean ${mean.toFixed(3)} p50 ${percentile(s, 50).toFixed(3)} p99 ${percentile(s, 99).toFixed(3)} ms`;
}

async function rawBaseline(dir: string, seconds: number): Promise<void> {
  const h = await open(join(dir, 'raw'), 'w');
  const buf = Buffer.alloc(4096, 1);
  const times: number[] = [];
  const end = performance.now() + seconds * 1000;
  for (let pos = 0; performance.now() < end; pos += buf.length) {
    await h.write(buf, 0, buf.length, pos);
    const t = performance.now();
    await h.datasync();
    times.push(performance.now() - t);
  }
  await h.close();
  console.log(`raw 4 KiB write+fdatasync: n=${times.length} fdatasync ${summary(times)}`);
}

async function walCase(dir: string, batch: number, seconds: number): Promise<void> {
  const syncMs: number[] = [];
  const logger = { warn: (fields: Record<string, unknown>) => syncMs.push(Number(fields.durationMs)) };
  const cfg = { ...defaultFileWalConfig(join(dir, `wal-${batch}`), logger), slowSyncMs: 0 };
  const wal = await createFileWal(cfg, { clusterId: 1n, memberId: 1n });
  const data = Buffer.alloc(VALUE_BYTES, 7);
  const saveMs: number[] = [];
  let index = 1;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    const entries: Entry[] = [];
    for (let i = 0; i < batch; i++) entries.push({ term: 1, index: index++, type: 0, data });
    const t = performance.now();
    await wal.save({ term: 1, vote: 1n, commit: index - 1 }, entries);
    saveMs.push(performance.now() - t);
  }
  const elapsed = (performance.now() - start) / 1000;
  await wal.close();
  const rate = Math.round((index - 1) / elapsed);
  console.log(
    `batch ${String(batch).padStart(3)}: saves=${saveMs.length} entries/s=${rate} save ${summary(saveMs)}; ` +
      `fdatasync ${summary(syncMs)}`,
  );
}

const dirArg = process.argv[2] || undefined;
const seconds = Number(process.argv[3] ?? '3');
const dir = dirArg ?? (await mkdtemp(join(tmpdir(), 'wal-bench-')));
try {
  await rawBaseline(dir, seconds);
  for (const batch of [1, 16, 256]) await walCase(dir, batch, seconds);
} finally {
  if (dirArg === undefined) await rm(dir, { recursive: true, force: true });
}
