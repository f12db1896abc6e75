import { compileGlob, isLiteralPattern, literalPrefix } from '../unit/glob.js';

/**
 * Numbers every distinct Conflicts= glob of a planning pass and answers "which patterns match
 * this unit name" once per name. Literal patterns are a map lookup; globs are bucketed by their
 * literal prefix, so a name is only tested against globs whose prefix it starts with (one map
 * lookup per distinct prefix length). This keeps a conflict check O(patterns of one unit)
 * instead of O(units on the machine).
 */
export class PatternIndex {
  private readonly ids = new Map<string, number>();
  private readonly literals = new Map<string, number>();
  private readonly globsByPrefix = new Map<string, { id: number; re: RegExp }[]>();
  private prefixLengths: number[] = [];
  private readonly matchers = new Map<string, readonly number[]>();

  get size(): number {
    return this.ids.size;
  }

  /** Registers a pattern; all patterns must be registered before the first `matchersOf`. */
  idOf(pattern: string): number {
    let id = this.ids.get(pattern);
    if (id !== undefined) return id;
    id = this.ids.size;
    this.ids.set(pattern, id);
    if (isLiteralPattern(pattern)) this.literals.set(pattern, id);
    else {
      const re = compileGlob(pattern);
      if (re === undefined) return id; // malformed: matches nothing
      const prefix = literalPrefix(pattern);
      const bucket = this.globsByPrefix.get(prefix) ?? [];
      bucket.push({ id, re });
      this.globsByPrefix.set(prefix, bucket);
      if (!this.prefixLengths.includes(prefix.length)) this.prefixLengths = [...this.prefixLengths, prefix.length];
    }
    return id;
  }

  /** Ids of the registered patterns that match `name`, ascending. */
  matchersOf(name: string): readonly number[] {
    const cached = this.matchers.get(name);
    if (cached) return cached;
    const out: number[] = [];
    const literal = this.literals.get(name);
    if (literal !== undefined) out.push(literal);
    for (const length of this.prefixLengths) {
      if (length > name.length) continue;
      for (const glob of this.globsByPrefix.get(name.slice(0, length)) ?? []) {
        if (glob.re.test(name)) out.push(glob.id);
      }
    }
    out.sort((a, b) => a - b);
    this.matchers.set(name, out);
    return out;
  }
}
