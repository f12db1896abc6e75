import { describe, expect, it } from 'vitest';
import { batchBytes, encodeBatch, encodeBatchChunks } from '../../src/wal/batch-encoder.js';
import type { WalRecord } from '../../src/wal/record-codec.js';
import { scanSegment } from '../../src/wal/segment-scanner.js';
import { entries, meta } from './helpers.js';

describe('batch encoding', () => {
  const records: WalRecord[] = [
    ...entries(1, 40, 1, 100).map((entry): WalRecord => ({ type: 'entry', entry })),
    { type: 'hardState', hardState: { term: 1, vote: 2n, commit: 3 } },
  ];

  it('chunks concatenate to the single-buffer encoding, each within the bound', () => {
    const whole = encodeBatch(records, 4096, 9);
    expect(whole.length).toBe(batchBytes(records));
    for (const chunkBytes of [1, 200, 1000, 3000, 100_000]) {
      const chunks = encodeBatchChunks(records, 4096, 9, chunkBytes);
      expect(Buffer.concat(chunks).equals(whole)).toBe(true);
      // A record bigger than the bound (136 bytes here) gets a chunk of its own.
      for (const c of chunks) expect(c.length).toBeLessThanOrEqual(Math.max(chunkBytes, 136));
      if (chunkBytes === 1) expect(chunks).toHaveLength(records.length + 1);
    }
  });

  it('a segment of header + batches scans back to the same records', () => {
    const headerBatch = encodeBatch(
      [
        { type: 'segmentHeader', seq: 3, firstIndex: 1 },
        { type: 'metadata', metadata: meta },
      ],
      0,
      5,
    );
    const batch = encodeBatch(records, headerBatch.length, 6);
    const scanned = scanSegment(Buffer.concat([headerBatch, batch, Buffer.alloc(64)]), {
      file: 'x.wal',
      isLast: true,
      maxRecordBytes: 1000,
      expectedBatchSeq: 5,
    });
    expect(scanned.seq).toBe(3);
    expect(scanned.lastBatchSeq).toBe(6);
    expect(scanned.tornTail).toBeNull();
    const plain = (rs: readonly WalRecord[] | undefined) =>
      rs?.map((r) => (r.type === 'entry' ? { ...r, entry: { ...r.entry, data: Array.from(r.entry.data) } } : r));
    expect(plain(scanned.batches[1]?.records)).toEqual(plain(records));
    expect(scanned.endOffset).toBe(headerBatch.length + batch.length);
  });
});
