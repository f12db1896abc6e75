import type { RingLog } from './ring-log.js';

/** The last `lines` lines of `log`, then (with `follow`) every new line until `signal` aborts. */
export async function* ringLogStream(
  log: RingLog,
  options: { lines: number; follow?: boolean; signal?: AbortSignal },
): AsyncGenerator<string> {
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  const unsubscribe = options.follow
    ? log.subscribe((line) => {
        queue.push(line);
        if (queue.length > log.limits.linesMax) queue.shift(); // a slow reader loses the oldest
        wake?.();
      })
    : undefined;
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  try {
    yield* log.tail(options.lines);
    while (options.follow && !options.signal?.aborted) {
      const line = queue.shift();
      if (line !== undefined) {
        yield line;
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
  } finally {
    unsubscribe?.();
    options.signal?.removeEventListener('abort', onAbort);
  }
}
