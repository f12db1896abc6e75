// Runs a system tool (ip, nft) the harness needs for netns mode: asynchronously, with a bound,
// optionally feeding it stdin; a failure names the command and carries its stderr.
import { spawn } from 'node:child_process';

const TOOL_TIMEOUT_MS = 10_000;

export function execTool(file: string, args: readonly string[], input?: string): Promise<string> {
  const command = `${file} ${args.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), TOOL_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(new Error(err.code === 'ENOENT' ? `${file} is not installed (needed for: ${command})` : err.message));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`\`${command}\` failed (${code ?? signal}): ${stderr.trim()}`));
    });
    child.stdin.on('error', () => undefined); // a tool that exits before reading its input
    child.stdin.end(input ?? '');
  });
}
