// Little-endian 64-bit fields holding JS safe integers (indexes, terms, offsets).

const TWO_POW_32 = 0x1_0000_0000;

export function writeU64(buf: Buffer, value: number, offset: number): void {
  buf.writeUInt32LE(value % TWO_POW_32, offset);
  buf.writeUInt32LE(Math.floor(value / TWO_POW_32), offset + 4);
}

/** The value, or -1 if it is not a safe integer. */
export function readU64(buf: Buffer, offset: number): number {
  const lo = buf.readUInt32LE(offset);
  const hi = buf.readUInt32LE(offset + 4);
  if (hi > 0x1f_ffff) return -1;
  return hi * TWO_POW_32 + lo;
}

export function isU64Number(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

export const U64_MAX = (1n << 64n) - 1n;

export function isU64BigInt(value: bigint): boolean {
  return value >= 0n && value <= U64_MAX;
}
