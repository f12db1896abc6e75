import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
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

/**
 * Ports for test listeners come from below the kernel's ephemeral range (32768-60999 on Linux),
 * where every process's outgoing connections draw their local ports (so a port 0 found free there
 * can be taken before the server binds it, or be handed out twice in a row), and below the e2e
 * harness's range (20000-32000).
 */
const TEST_PORT_LOW = 10_000;
const TEST_PORT_HIGH = 20_000;
const TEST_PORT_ATTEMPTS_MAX = 200;
/** Ports this process handed out: never twice, even once their listener is gone. */
const handedOut = new Set<number>();

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/** A TCP port on `host` that was free when checked and that this process has not handed out before. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < TEST_PORT_ATTEMPTS_MAX; attempt++) {
    const port = randomInt(TEST_PORT_LOW, TEST_PORT_HIGH);
    if (handedOut.has(port)) continue;
    if (await bindable(port, host)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${TEST_PORT_LOW}-${TEST_PORT_HIGH} after ${TEST_PORT_ATTEMPTS_MAX} attempts`);
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
