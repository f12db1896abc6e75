import { mvccpb } from '@coreos-ts/proto';

/**
 * What rebuilding the key index needs of a stored KeyValue: everything but the value, with the
 * revision and version as numbers (the key index holds them so).
 */
export interface KeyValueHeader {
  /** The key as a latin1 string. */
  readonly key: string;
  readonly createRevision: number;
  readonly version: number;
  readonly lease: bigint;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
/** Varints up to this many bytes (49 bits) are read as numbers; longer ones take the full decoder. */
const SHORT_VARINT_BYTES = 7;

function fromKeyValue(kv: mvccpb.KeyValue): KeyValueHeader {
  return {
    key: kv.key.toString('latin1'),
    createRevision: Number(kv.createRevision),
    version: Number(kv.version),
    lease: kv.lease,
  };
}

/**
 * Reads a stored mvccpb.KeyValue's key, create revision, version and lease without copying its
 * value (restart reads every revision in the store). Gives what mvccpb.KeyValue.decode gives;
 * anything unusual (a long varint, a negative number, an odd wire type) goes to that decoder.
 */
export function readKeyValueHeader(raw: Buffer): KeyValueHeader {
  let pos = 0;
  const end = raw.length;
  let key = '';
  let createRevision = 0;
  let version = 0;
  let lease = 0;
  /** A short varint at pos, or -1 (then the full decoder takes over). */
  const varint = (): number => {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < SHORT_VARINT_BYTES && pos < end; i++) {
      const b = raw[pos++] as number;
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return -1;
  };
  while (pos < end) {
    const tag = varint();
    if (tag <= 0) return fromKeyValue(mvccpb.KeyValue.decode(raw));
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === WIRE_BYTES) {
      const len = varint();
      if (len < 0 || pos + len > end) return fromKeyValue(mvccpb.KeyValue.decode(raw));
      if (field === 1) key = raw.toString('latin1', pos, pos + len);
      pos += len;
    } else if (wire === WIRE_VARINT) {
      const v = varint();
      if (v < 0) return fromKeyValue(mvccpb.KeyValue.decode(raw));
      if (field === 2) createRevision = v;
      else if (field === 4) version = v;
      else if (field === 6) lease = v;
    } else if (wire === WIRE_FIXED64 || wire === WIRE_FIXED32) {
      pos += wire === WIRE_FIXED64 ? 8 : 4;
    } else {
      return fromKeyValue(mvccpb.KeyValue.decode(raw));
    }
  }
  if (pos > end) return fromKeyValue(mvccpb.KeyValue.decode(raw));
  return { key, createRevision, version, lease: lease === 0 ? 0n : BigInt(lease) };
}
