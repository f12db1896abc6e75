/**
 * The history as one time-ordered list of call and return events, doubly linked so that the
 * search can lift an operation (both its events) out and put it back in O(1). Put-backs must
 * undo lifts in reverse order, which the search's stack discipline guarantees.
 */
export const NIL = -1;

export class EventList {
  /** The sentinel before the first event. */
  readonly head: number;
  readonly next: Int32Array;
  readonly prev: Int32Array;
  /** The operation an event belongs to, and whether it is that operation's call. */
  readonly operationOf: Int32Array;
  readonly isCall: Uint8Array;
  readonly callEventOf: Int32Array;
  readonly returnEventOf: Int32Array;

  /**
   * `returns[i]` is Infinity for an indeterminate operation. Events are ordered by time; at equal
   * times calls come before returns, so touching intervals count as concurrent.
   */
  constructor(calls: ArrayLike<number>, returns: ArrayLike<number>) {
    const n = calls.length;
    const eventCount = 2 * n;
    this.head = eventCount;
    this.next = new Int32Array(eventCount + 1);
    this.prev = new Int32Array(eventCount + 1);
    this.operationOf = new Int32Array(eventCount);
    this.isCall = new Uint8Array(eventCount);
    this.callEventOf = new Int32Array(n);
    this.returnEventOf = new Int32Array(n);
    const timeOf = (event: number): number => {
      const op = event >> 1;
      return (event & 1) === 0 ? calls[op]! : returns[op]!;
    };
    // Event 2i is operation i's call, 2i+1 its return; sort them into time order.
    const order = Array.from({ length: eventCount }, (_, event) => event);
    order.sort((a, b) => timeOf(a) - timeOf(b) || (a & 1) - (b & 1) || a - b);
    let last = this.head;
    for (const [position, event] of order.entries()) {
      const op = event >> 1;
      const call = (event & 1) === 0;
      this.operationOf[position] = op;
      this.isCall[position] = call ? 1 : 0;
      if (call) this.callEventOf[op] = position;
      else this.returnEventOf[op] = position;
      this.next[last] = position;
      this.prev[position] = last;
      last = position;
    }
    this.next[last] = NIL;
  }

  first(): number {
    return this.next[this.head]!;
  }

  /** Removes both events of `op`. */
  lift(op: number): void {
    this.unlink(this.callEventOf[op]!);
    this.unlink(this.returnEventOf[op]!);
  }

  /** Puts back the events of the operation lifted most recently. */
  unlift(op: number): void {
    this.relink(this.returnEventOf[op]!);
    this.relink(this.callEventOf[op]!);
  }

  private unlink(event: number): void {
    const before = this.prev[event]!;
    const after = this.next[event]!;
    this.next[before] = after;
    if (after !== NIL) this.prev[after] = before;
  }

  private relink(event: number): void {
    const before = this.prev[event]!;
    const after = this.next[event]!;
    this.next[before] = event;
    if (after !== NIL) this.prev[after] = event;
  }
}
