// A revision names one write: `main` is the store revision of the txn, `sub` the position of
// the write inside it. Backend keys encode it as main (8 bytes BE) + '_' + sub (8 bytes BE),
// so byte order equals revision order; a tombstone appends 't'.

export interface Revision {
  readonly main: bigint;
  readonly sub: number;
}

export const revisionKeyBytes = 17;
const tombstoneMark = 0x74; // 't'

export function compareRevision(a: Revision, b: Revision): number {
  if (a.main !== b.main) return a.main < b.main ? -1 : 1;
  return a.sub - b.sub;
}

export function encodeRevisionKey(rev: Revision, tombstone: boolean): Buffer {
  const buf = Buffer.alloc(revisionKeyBytes + (tombstone ? 1 : 0));
  buf.writeBigInt64BE(rev.main, 0);
  buf[8] = 0x5f; // '_'
  buf.writeBigInt64BE(BigInt(rev.sub), 9);
  if (tombstone) buf[revisionKeyBytes] = tombstoneMark;
  return buf;
}

export interface DecodedRevisionKey {
  readonly rev: Revision;
  readonly tombstone: boolean;
}

export function decodeRevisionKey(buf: Buffer): DecodedRevisionKey {
  const tombstone = buf.length === revisionKeyBytes + 1 && buf[revisionKeyBytes] === tombstoneMark;
  if (!(buf.length === revisionKeyBytes || tombstone) || buf[8] !== 0x5f) {
    throw new Error(`mvcc: malformed revision key ${buf.toString('hex')}`);
  }
  return { rev: { main: buf.readBigInt64BE(0), sub: Number(buf.readBigInt64BE(9)) }, tombstone };
}

/**
 * decodeRevisionKey for the key that starts `offset` bytes into `buf`, with main and sub as
 * numbers (restart reads every revision in the store; a store never reaches 2^53 writes).
 */
export function readRevisionKey(buf: Buffer, offset: number): { main: number; sub: number; tombstone: boolean } {
  const length = buf.length - offset;
  const tombstone = length === revisionKeyBytes + 1 && buf[offset + revisionKeyBytes] === tombstoneMark;
  if (!(length === revisionKeyBytes || tombstone) || buf[offset + 8] !== 0x5f) {
    throw new Error(`mvcc: malformed revision key ${buf.subarray(offset).toString('hex')}`);
  }
  const main = readSafeUint64(buf, offset);
  const sub = readSafeUint64(buf, offset + 9);
  return { main, sub, tombstone };
}

function readSafeUint64(buf: Buffer, offset: number): number {
  const high = buf.readUInt32BE(offset);
  if (high >= 2 ** 21) throw new Error(`mvcc: revision ${buf.readBigInt64BE(offset)} out of range`);
  return high * 2 ** 32 + buf.readUInt32BE(offset + 4);
}
