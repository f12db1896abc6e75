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
