import { readFileSync, writeFileSync } from 'node:fs';
import { type Args, InteractionEnv } from './env.js';

interface Block {
  command: string;
  output: string;
}

/** Splits "cmd a b k=v k2=(1,2)" into positional arguments and key=value pairs. */
export function parseArgs(line: string): { cmd: string; args: Args } {
  const tokens = line.match(/[^\s=]+=\([^)]*\)|\S+/g) ?? [];
  const [cmd, ...rest] = tokens;
  const args: Args = { positional: [], kv: new Map() };
  for (const t of rest) {
    const eq = t.indexOf('=');
    if (eq > 0) args.kv.set(t.slice(0, eq), t.slice(eq + 1));
    else args.positional.push(t);
  }
  return { cmd: cmd ?? '', args };
}

/**
 * A script file is a sequence of blocks: comment lines (#), a command line, a `----`
 * line, the expected output, and a blank line.
 */
export function parseScript(text: string): Array<Block & { comments: string[] }> {
  const lines = text.split('\n');
  const blocks: Array<Block & { comments: string[] }> = [];
  let i = 0;
  while (i < lines.length) {
    const comments: string[] = [];
    while (i < lines.length && (lines[i]!.startsWith('#') || lines[i]!.trim() === '')) {
      if (lines[i]!.startsWith('#')) comments.push(lines[i]!);
      i++;
    }
    if (i >= lines.length) break;
    const command = lines[i++]!;
    if (lines[i] !== '----') throw new Error(`expected ---- after "${command}" at line ${i + 1}`);
    i++;
    const out: string[] = [];
    while (i < lines.length && lines[i]!.trim() !== '') out.push(lines[i++]!);
    blocks.push({ command, output: out.join('\n'), comments });
  }
  return blocks;
}

/** Runs a script; returns actual and expected outputs, rewriting the file when updating. */
export function runScript(path: string, update: boolean): { actual: string; expected: string } {
  const text = readFileSync(path, 'utf8');
  const blocks = parseScript(text);
  const env = new InteractionEnv();
  const rendered: string[] = [];
  for (const b of blocks) {
    const { cmd, args } = parseArgs(b.command);
    const out = env.run(cmd, args);
    rendered.push([...b.comments, b.command, '----', out.length > 0 ? out : 'ok'].join('\n'));
  }
  const actual = `${rendered.join('\n\n')}\n`;
  if (update) writeFileSync(path, actual);
  return { actual, expected: text };
}
