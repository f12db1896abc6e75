import assert from 'node:assert';

/**
 * A bounded window of MsgApps sent to a follower but not yet acknowledged: at most
 * `capacity` messages and (when maxBytes > 0) `maxBytes` payload bytes.
 */
export class Inflights {
  private readonly capacity: number;
  private readonly maxBytes: number;
  private readonly indexes: number[];
  private readonly sizes: number[];
  private start = 0;
  /** Number of messages in flight. */
  count = 0;
  /** Payload bytes in flight. */
  bytes = 0;

  constructor(capacity: number, maxBytes: number) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
    this.indexes = new Array(capacity).fill(0);
    this.sizes = new Array(capacity).fill(0);
  }

  clone(): Inflights {
    const c = new Inflights(this.capacity, this.maxBytes);
    for (let i = 0; i < this.count; i++) {
      const j = (this.start + i) % this.capacity;
      c.add(this.indexes[j]!, this.sizes[j]!);
    }
    return c;
  }

  /** Records a MsgApp whose last entry is `index`; indexes must increase. */
  add(index: number, bytes: number): void {
    assert(!this.full(), 'cannot add into a full inflights');
    const j = (this.start + this.count) % this.capacity;
    this.indexes[j] = index;
    this.sizes[j] = bytes;
    this.count++;
    this.bytes += bytes;
  }

  /** Frees every message whose last index is <= `to`. */
  freeLE(to: number): void {
    while (this.count > 0 && this.indexes[this.start]! <= to) {
      this.bytes -= this.sizes[this.start]!;
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
    if (this.count === 0) this.start = 0;
  }

  full(): boolean {
    return this.count === this.capacity || (this.maxBytes > 0 && this.bytes >= this.maxBytes);
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
    this.bytes = 0;
  }
}
