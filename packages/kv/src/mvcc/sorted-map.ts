// An ordered map over binary keys held as latin1 strings (one char per byte, so JS string order
// is byte order). Two levels: a sorted array of leaves, each a sorted run of at most
// `leafMax` entries, merged into the next leaf when under a quarter full. Insert and delete
// cost O(log n + leafMax + n / leafMax); range scans are sequential. Do not mutate the map
// while iterating a range.

interface Leaf<V> {
  keys: string[];
  vals: V[];
}

function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as string) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export class SortedMap<V> {
  private leaves: Leaf<V>[] = [];
  private count = 0;
  private readonly leafMin: number;

  /** `leafMax`: entries per leaf before it splits (small values only make sense in tests). */
  constructor(private readonly leafMax = 256) {
    this.leafMin = Math.max(1, Math.floor(leafMax / 4));
  }

  get size(): number {
    return this.count;
  }

  get(key: string): V | undefined {
    const leaf = this.leaves[this.leafIndex(key)];
    if (leaf === undefined) return undefined;
    const i = lowerBound(leaf.keys, key);
    return leaf.keys[i] === key ? leaf.vals[i] : undefined;
  }

  /** The key as the map holds it (an equal string, for callers that keep keys beside the map). */
  keyOf(key: string): string | undefined {
    const leaf = this.leaves[this.leafIndex(key)];
    if (leaf === undefined) return undefined;
    const i = lowerBound(leaf.keys, key);
    return leaf.keys[i] === key ? leaf.keys[i] : undefined;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  set(key: string, val: V): void {
    if (this.leaves.length === 0) {
      this.leaves.push({ keys: [key], vals: [val] });
      this.count = 1;
      return;
    }
    let li = this.leafIndex(key);
    if (li === this.leaves.length) li -= 1;
    const leaf = this.leaves[li] as Leaf<V>;
    const i = lowerBound(leaf.keys, key);
    if (leaf.keys[i] === key) {
      leaf.vals[i] = val;
      return;
    }
    leaf.keys.splice(i, 0, key);
    leaf.vals.splice(i, 0, val);
    this.count += 1;
    if (leaf.keys.length > this.leafMax) {
      const half = leaf.keys.length >>> 1;
      const right: Leaf<V> = { keys: leaf.keys.splice(half), vals: leaf.vals.splice(half) };
      this.leaves.splice(li + 1, 0, right);
    }
  }

  delete(key: string): boolean {
    const li = this.leafIndex(key);
    const leaf = this.leaves[li];
    if (leaf === undefined) return false;
    const i = lowerBound(leaf.keys, key);
    if (leaf.keys[i] !== key) return false;
    leaf.keys.splice(i, 1);
    leaf.vals.splice(i, 1);
    this.count -= 1;
    if (leaf.keys.length === 0) {
      this.leaves.splice(li, 1);
    } else if (leaf.keys.length < this.leafMin) {
      const next = this.leaves[li + 1];
      if (next !== undefined && next.keys.length + leaf.keys.length <= this.leafMax) {
        leaf.keys.push(...next.keys);
        leaf.vals.push(...next.vals);
        this.leaves.splice(li + 1, 1);
      }
    }
    return true;
  }

  /** Entries with from <= key < to (to undefined: no upper bound), ascending. */
  *range(from: string, to?: string): Generator<[string, V]> {
    let li = this.leafIndex(from);
    let leaf = this.leaves[li];
    if (leaf === undefined) return;
    let i = lowerBound(leaf.keys, from);
    while (leaf !== undefined) {
      for (; i < leaf.keys.length; i++) {
        const k = leaf.keys[i] as string;
        if (to !== undefined && k >= to) return;
        yield [k, leaf.vals[i] as V];
      }
      li += 1;
      leaf = this.leaves[li];
      i = 0;
    }
  }

  *entries(): Generator<[string, V]> {
    yield* this.range('');
  }

  /** Index of the first leaf whose last key is >= key (leaves.length if none). */
  private leafIndex(key: string): number {
    let lo = 0;
    let hi = this.leaves.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const leaf = this.leaves[mid] as Leaf<V>;
      if ((leaf.keys[leaf.keys.length - 1] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
