import type { LinearizedSet } from './linearized-set.js';

/**
 * The configurations (linearized set, model state) the search has already reached. Reaching one
 * again cannot lead anywhere new, which is what keeps the search from being factorial.
 *
 * It also prunes by subsumption: a configuration with the same completed operations and state as
 * one already reached, but more indeterminate operations taken, has no way forward that the other
 * lacks (an indeterminate operation never has to take effect, so leaving one out constrains
 * nothing). So for each (completed part, state) the cache keeps the minimal sets of indeterminate
 * operations seen, and refuses supersets of them.
 */
export class SearchCache {
  private readonly seen = new Map<string, Uint32Array[]>();
  /** Indeterminate sets kept, over all keys. */
  size = 0;

  /** Records the configuration (set, stateId); false if it, or one that subsumes it, was seen. */
  insert(set: LinearizedSet, stateId: number): boolean {
    const key = set.completedSignature(stateId);
    const current = set.indeterminateWords();
    const kept = this.seen.get(key);
    if (kept === undefined) {
      this.seen.set(key, [current.slice()]);
      this.size++;
      return true;
    }
    if (kept.some((other) => isSubset(other, current))) return false;
    // The new set subsumes any kept superset of it.
    const minimal = kept.filter((other) => !isSubset(current, other));
    minimal.push(current.slice());
    this.size += minimal.length - kept.length;
    this.seen.set(key, minimal);
    return true;
  }
}

function isSubset(small: Uint32Array, large: Uint32Array): boolean {
  for (let i = 0; i < small.length; i++) if ((small[i]! & ~large[i]!) !== 0) return false;
  return true;
}
