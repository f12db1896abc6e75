// Server-chosen lease ids, picked before the grant is proposed so the apply stays
// deterministic. Like etcd's idutil: the member id's low 16 bits on top, then a counter that
// starts from a seed (etcd seeds it from the clock at start-up), kept positive (int63).

const int63 = (1n << 63n) - 1n;
const counterBits = 47n;
const counterMask = (1n << counterBits) - 1n;

export class LeaseIdGenerator {
  private counter: bigint;
  private readonly prefix: bigint;

  constructor(memberId: bigint, seed: bigint) {
    this.prefix = ((memberId & 0xffffn) << counterBits) & int63;
    this.counter = seed & counterMask;
  }

  /** The next id that `taken` does not know (and never 0). */
  next(taken: (id: bigint) => boolean = () => false): bigint {
    for (;;) {
      this.counter = (this.counter + 1n) & counterMask;
      const id = this.prefix | this.counter;
      if (id !== 0n && !taken(id)) return id;
    }
  }
}
