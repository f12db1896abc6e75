/**
 * Shell globs as Go's `path.Match` reads them (what fleet uses for Conflicts= and Replaces=):
 * `*` any run of non-`/` characters, `?` one non-`/` character, `[...]` a class with ranges and
 * `^` negation, `\` escapes the next character. A malformed pattern matches nothing.
 */

const META = /[*?[\\]/;

export function isLiteralPattern(pattern: string): boolean {
  return !META.test(pattern);
}

/** The literal text every match starts with (everything before the first metacharacter). */
export function literalPrefix(pattern: string): string {
  const m = META.exec(pattern);
  return m ? pattern.slice(0, m.index) : pattern;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Compiles a glob to an anchored RegExp, or undefined when the pattern is malformed. */
export function compileGlob(pattern: string): RegExp | undefined {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      const next = pattern[i + 1];
      if (next === undefined) return undefined;
      out += escapeRegExp(next);
      i++;
    } else if (c === '[') {
      const end = classEnd(pattern, i + 1);
      if (end === -1) return undefined;
      const body = compileClass(pattern.slice(i + 1, end));
      if (body === undefined) return undefined;
      out += body;
      i = end;
    } else out += escapeRegExp(c);
  }
  return new RegExp(`${out}$`);
}

function classEnd(pattern: string, start: number): number {
  let i = start;
  if (pattern[i] === '^') i++;
  for (let first = true; i < pattern.length; i++, first = false) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === ']' && !first) return i;
  }
  return -1;
}

function compileClass(body: string): string | undefined {
  let negate = false;
  let i = 0;
  if (body.startsWith('^')) {
    negate = true;
    i = 1;
  }
  const chars: string[] = [];
  const take = (): string | undefined => {
    let c = body[i];
    if (c === '\\') c = body[++i];
    i++;
    return c;
  };
  if (i >= body.length) return undefined;
  while (i < body.length) {
    const lo = take();
    if (lo === undefined) return undefined;
    if (body[i] === '-' && i + 1 < body.length) {
      i++;
      const hi = take();
      if (hi === undefined || hi < lo) return undefined;
      chars.push(`${escapeRegExp(lo)}-${escapeRegExp(hi)}`);
    } else chars.push(escapeRegExp(lo));
  }
  return negate ? `[^/${chars.join('')}]` : `[${chars.join('')}]`;
}

const cache = new Map<string, RegExp | undefined>();
const CACHE_ENTRIES_MAX = 10_000;

/** Whether `name` matches the glob `pattern` (Go `path.Match` semantics; bad patterns never match). */
export function globMatch(pattern: string, name: string): boolean {
  if (isLiteralPattern(pattern)) return pattern === name;
  let re = cache.get(pattern);
  if (re === undefined && !cache.has(pattern)) {
    re = compileGlob(pattern);
    if (cache.size >= CACHE_ENTRIES_MAX) cache.clear();
    cache.set(pattern, re);
  }
  return re ? re.test(name) : false;
}
