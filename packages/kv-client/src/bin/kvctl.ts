#!/usr/bin/env node
import { runKvctl } from './kvctl-program.js';

const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => interrupt.abort());
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const code = await runKvctl(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  readStdin,
  env: process.env,
  interrupt: interrupt.signal,
});
process.exitCode = code;
// long-running commands leave no handles behind; exit promptly once output is flushed
process.stdout.write('', () => process.exit(code));
