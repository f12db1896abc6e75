// Readiness of processes the harness starts: they offer no event to await, so it polls them,
// with a bound, and fails at once when one of them has died.

export interface ReadyOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked before every probe: a message means it can never become ready (a process exited). */
  readonly fatal?: () => string | undefined;
}

export async function waitReady<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  options: ReadyOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const fatal = options.fatal?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
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
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 100));
  }
}
