/**
 * systemd's word splitting for option values (ExecStart=, Environment=, MachineMetadata=...):
 * words are separated by whitespace; `"..."` and `'...'` quote parts of a word (quotes may
 * start mid-word: `a="b c"` is one word `a=b c`); a backslash escapes the next character, with
 * the C escapes \n \t \r \\ \" \' \s (space) understood.
 */

export class WordSplitError extends Error {
  override readonly name = 'WordSplitError';
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', s: ' ', '\\': '\\', '"': '"', "'": "'" };

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r';
}

export function splitWords(value: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === undefined) throw new WordSplitError(`trailing backslash in ${JSON.stringify(value)}`);
      word += ESCAPES[next] ?? next;
      inWord = true;
      i++;
      continue;
    }
    if (quote) {
      if (c === quote) quote = undefined;
      else word += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
      continue;
    }
    if (isSpace(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    word += c;
    inWord = true;
  }
  if (quote) throw new WordSplitError(`unterminated ${quote} quote in ${JSON.stringify(value)}`);
  if (inWord) words.push(word);
  return words;
}
