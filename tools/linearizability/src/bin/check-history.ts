#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { runCheckHistoryCommand } from '../cli/check-history-command.js';

const status = await runCheckHistoryCommand(process.argv.slice(2), {
  readText: (path) => (path === '-' ? text(process.stdin) : readFile(path, 'utf8')),
  stdout: (output) => process.stdout.write(output),
  stderr: (output) => process.stderr.write(output),
  env: process.env,
});
process.exitCode = status;
