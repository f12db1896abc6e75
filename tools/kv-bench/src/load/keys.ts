/** A small seeded generator (xorshift32): the load is reproducible from --seed. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = (seed >>> 0 || 0x9e3779b9) >>> 0;
  }

  /** An integer in [0, bound). */
  nextInt(bound: number): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x % bound;
  }
}

/** Key number n as keySize bytes, big-endian in the last (up to 6) bytes, like benchmark's binary keys. */
export function encodeKey(n: number, keySize: number): Buffer {
  const key = Buffer.alloc(keySize);
  const width = Math.min(keySize, 6);
  key.writeUIntBE(n % 256 ** width, keySize - width, width);
  return key;
}

/** The key of request number n: sequential keys walk the key space in order, others are random. */
export type KeyChooser = (requestNumber: number) => Buffer;

export function keyChooser(options: {
  keySize: number;
  keySpaceSize: number;
  sequential: boolean;
  seed: number;
}): KeyChooser {
  const rng = new Rng(options.seed);
  return (n) => {
    const k = options.sequential ? n % options.keySpaceSize : rng.nextInt(options.keySpaceSize);
    return encodeKey(k, options.keySize);
  };
}
