import { execFileSync } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * Fails (never skips) when a tool a test needs is absent, saying how to get it. The project's
 * test script installs these; a developer running one test file by hand gets told what is missing.
 */
export function requireTool(command: string, hint: string): string {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`${command} is required by this test but was not found: ${hint}`);
  }
}

/** A free TCP port on 127.0.0.1 (bound and released; race-free enough for test clusters). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves when `probe` resolves truthy, polling every `intervalMs`; rejects after `timeoutMs`
 * with the last error. For readiness of external processes, which offer no event to await.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 50));
  }
}
