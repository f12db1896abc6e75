/**
 * The set of operations linearized so far, as a bitset in two parts. Completed operations get
 * bits in call order; the search takes them roughly in that order, so their part is "all up to
 * some point, plus a few beyond", which has a short signature. Indeterminate operations get
 * words of their own after them, compared as sets by the search cache.
 */
export class LinearizedSet {
  readonly words: Uint32Array;
  private readonly bitOf: Int32Array;
  /** Words [0, completedWords) hold completed operations. */
  private readonly completedWords: number;
  size = 0;

  /** `calls[i]` orders the completed operations; `indeterminate[i]` puts operation i after them. */
  constructor(calls: ArrayLike<number>, indeterminate: ArrayLike<boolean>) {
    const n = calls.length;
    const completed: number[] = [];
    const others: number[] = [];
    for (let op = 0; op < n; op++) (indeterminate[op] ? others : completed).push(op);
    completed.sort((a, b) => calls[a]! - calls[b]! || a - b);
    this.completedWords = Math.ceil(completed.length / 32);
    this.words = new Uint32Array(this.completedWords + Math.ceil(others.length / 32));
    this.bitOf = new Int32Array(n);
    completed.forEach((op, bit) => {
      this.bitOf[op] = bit;
    });
    others.forEach((op, i) => {
      this.bitOf[op] = this.completedWords * 32 + i;
    });
  }

  has(op: number): boolean {
    const bit = this.bitOf[op]!;
    return (this.words[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }

  add(op: number): void {
    if (this.has(op)) throw new Error(`operation ${op} is already linearized`);
    this.toggle(op);
    this.size++;
  }

  remove(op: number): void {
    if (!this.has(op)) throw new Error(`operation ${op} is not linearized`);
    this.toggle(op);
    this.size--;
  }

  /**
   * A string naming the completed operations in the set together with a state id: equal for two
   * pairs exactly when both are equal (fixed-width fields of 16-bit characters, nothing skipped
   * but leading all-ones and trailing all-zeros words).
   */
  completedSignature(stateId: number): string {
    const words = this.words;
    let lo = 0;
    while (lo < this.completedWords && words[lo] === 0xffffffff) lo++;
    let hi = this.completedWords - 1;
    while (hi >= lo && words[hi] === 0) hi--;
    let text = String.fromCharCode(stateId & 0xffff, stateId >>> 16, lo & 0xffff, lo >>> 16);
    for (let i = lo; i <= hi; i++) {
      const word = words[i]!;
      text += String.fromCharCode(word & 0xffff, word >>> 16);
    }
    return text;
  }

  /** The indeterminate operations in the set, as bitset words (a live view: copy to keep). */
  indeterminateWords(): Uint32Array {
    return this.words.subarray(this.completedWords);
  }

  private toggle(op: number): void {
    const bit = this.bitOf[op]!;
    this.words[bit >>> 5]! ^= 1 << (bit & 31);
  }
}
