import { assert } from './assert.js';
import { encodedLength, encodeRecord, type WalRecord } from './record-codec.js';

const BATCH_END_RECORD_BYTES = encodedLength({ type: 'batchEnd', seq: 0, startOffset: 0, recordCount: 0 });

export function batchBytes(records: readonly WalRecord[]): number {
  let n = BATCH_END_RECORD_BYTES;
  for (const r of records) n += encodedLength(r);
  return n;
}

/** One buffer holding `records` sealed by a batchEnd, to be written at `startOffset`. */
export function encodeBatch(records: readonly WalRecord[], startOffset: number, seq: number): Buffer {
  const chunks = encodeBatchChunks(records, startOffset, seq, Number.POSITIVE_INFINITY);
  assert(chunks.length === 1 && chunks[0] !== undefined, 'an unbounded chunk holds the whole batch');
  return chunks[0];
}

/**
 * The batch as buffers of at most `chunkBytes` each (a record larger than that gets a buffer
 * of its own), so a huge save does not need one huge allocation. Usually one buffer.
 */
export function encodeBatchChunks(
  records: readonly WalRecord[],
  startOffset: number,
  seq: number,
  chunkBytes: number,
): Buffer[] {
  assert(records.length > 0, 'a batch holds at least one record');
  const all: WalRecord[] = [...records, { type: 'batchEnd', seq, startOffset, recordCount: records.length }];
  const chunks: Buffer[] = [];
  let i = 0;
  while (i < all.length) {
    let size = 0;
    let j = i;
    for (; j < all.length; j++) {
      const n = encodedLength(all[j] as WalRecord);
      if (j > i && size + n > chunkBytes) break;
      size += n;
    }
    const buf = Buffer.alloc(size);
    let at = 0;
    for (let k = i; k < j; k++) at = encodeRecord(all[k] as WalRecord, buf, at);
    assert(at === size, 'chunk size matches its encoding');
    chunks.push(buf);
    i = j;
  }
  return chunks;
}
