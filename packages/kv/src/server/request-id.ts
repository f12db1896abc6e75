import { randomBytes } from 'node:crypto';

/**
 * Unique proposal ids: the member's low 16 bits in the top of the id, then a counter starting at
 * a random point, so ids from different members and different runs do not collide.
 */
export class RequestIdGenerator {
  private next: bigint;
  private readonly prefix: bigint;

  constructor(memberId: bigint) {
    this.prefix = (memberId & 0xffffn) << 48n;
    this.next = BigInt(randomBytes(6).readUIntBE(0, 6));
  }

  id(): bigint {
    this.next = (this.next + 1n) & 0xffff_ffff_ffffn;
    return this.prefix | this.next;
  }
}
