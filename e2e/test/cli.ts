// Test helpers: the built `cluster` CLI as a child process.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CLUSTER_CLI } from '../src/binaries.js';

export function requireBuiltCli(): string {
  if (!existsSync(CLUSTER_CLI))
    throw new Error(`${CLUSTER_CLI} is missing: build it with \`npx tsc -b\` (or \`npx tsc -p e2e\`)`);
  return CLUSTER_CLI;
}

/** Runs one CLI command to completion; rejects on a non-zero exit with its stderr. */
export function runCli(args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [requireBuiltCli(), ...args], { timeout: timeoutMs }, (err, stdout, stderr) => {
      if (err) reject(new Error(`cluster ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Starts `cluster up` and resolves once it prints its ready line (or rejects when it exits first). */
export function startClusterUp(
  args: readonly string[],
  timeoutMs: number,
): { child: ChildProcess; ready: Promise<string> } {
  const child = spawn(process.execPath, [requireBuiltCli(), 'up', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`cluster up not ready after ${timeoutMs} ms:\n${out}\n${err}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('cluster: ready')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`cluster up exited (${code ?? signal}) before it was ready:\n${out}\n${err}`));
    });
  });
  return { child, ready };
}

/** Resolves when the child has exited (at once if it already has), rejects after `timeoutMs`. */
export function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`pid ${child.pid} still running after ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
