// Hand-written protobuf encoding for hot paths (the peer stream's message batches, watch
// responses): sizes first, then one buffer of exactly that size written field by field. Callers
// check their bytes against the generated encoders in property tests.

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;

/** Bytes of `v` as a varint (v >= 0). */
export function varintSize(v: number): number {
  let n = 1;
  while (v >= 128) {
    v = Math.floor(v / 128);
    n++;
  }
  return n;
}

export function bigVarintSize(v: bigint): number {
  let n = 1;
  while (v >= 128n) {
    v >>= 7n;
    n++;
  }
  return n;
}

/** A cursor over a buffer of known size (every size is computed before writing). */
export class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  varint(v: number): void {
    if (v < 0) throw new RangeError(`protobuf writer: negative value ${v}`);
    const buf = this.buf;
    while (v >= 128) {
      buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    buf[this.pos++] = v;
  }

  bigVarint(v: bigint): void {
    while (v >= 128n) {
      this.buf[this.pos++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.pos++] = Number(v);
  }

  /** A field number below 16 and its wire type: one byte. */
  tag(field: number, wire: number): void {
    this.buf[this.pos++] = (field << 3) | wire;
  }

  numberField(field: number, v: number): void {
    this.tag(field, WIRE_VARINT);
    this.varint(v);
  }

  bigField(field: number, v: bigint): void {
    this.tag(field, WIRE_VARINT);
    this.bigVarint(v);
  }

  bytesField(field: number, b: Uint8Array): void {
    this.tag(field, WIRE_BYTES);
    this.bytes(b);
  }

  bytes(b: Uint8Array): void {
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}
