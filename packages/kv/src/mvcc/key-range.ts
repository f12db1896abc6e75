// etcd's key/range_end rules, on latin1-string keys (one char per byte, so string order is
// byte order): an empty range_end names the single key; "\0" names every key >= key; anything
// else is the half-open interval [key, range_end).

export interface KeySpan {
  readonly from: string;
  /** Exclusive end; undefined = no upper bound. Ignored when `single`. */
  readonly to: string | undefined;
  readonly single: boolean;
}

export function keySpan(key: Buffer, rangeEnd: Buffer): KeySpan {
  const from = key.toString('latin1');
  if (rangeEnd.length === 0) return { from, to: undefined, single: true };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { from, to: undefined, single: false };
  return { from, to: rangeEnd.toString('latin1'), single: false };
}

export function spanContains(span: KeySpan, key: string): boolean {
  if (span.single) return key === span.from;
  return key >= span.from && (span.to === undefined || key < span.to);
}

/** The range_end that selects every key with this prefix ("\0" when the prefix is all 0xff). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if ((end[i] as number) < 0xff) {
      end[i] = (end[i] as number) + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
