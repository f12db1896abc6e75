/** Keys and values may be given as text (UTF-8) or bytes; the client always answers with Buffers. */
export type Bytes = string | Buffer | Uint8Array;

export function toBuffer(value: Bytes): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** The smallest key greater than every key with this prefix; "\0" (everything from key on) when none exists. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] ?? 0) < 0xff) {
      end[i] = (end[i] ?? 0) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}

/** The range_end for a request: explicit end, prefix, from-key, or a single key (empty). */
export function rangeEndFor(key: Buffer, options: { prefix?: boolean; fromKey?: boolean; rangeEnd?: Bytes }): Buffer {
  if (options.rangeEnd !== undefined) return toBuffer(options.rangeEnd);
  if (options.prefix) return key.length === 0 ? Buffer.from([0]) : prefixEnd(key);
  if (options.fromKey) return Buffer.from([0]);
  return Buffer.alloc(0);
}

export function toBigInt(value: number | bigint | undefined, fallback = 0n): bigint {
  if (value === undefined) return fallback;
  return typeof value === 'bigint' ? value : BigInt(value);
}
