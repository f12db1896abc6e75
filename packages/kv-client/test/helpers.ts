import type { WatchEvent, Watcher } from '../src/index.js';

/** Awaits `promise`, failing with a message naming what was awaited if it takes longer than `ms`. */
export async function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Reads a watch until `done(events)` holds; returns every event read. Uses next() rather than
 * for-await, because leaving a for-await loop cancels the watch.
 */
export async function collectUntil(watcher: Watcher, done: (events: WatchEvent[]) => boolean): Promise<WatchEvent[]> {
  const events: WatchEvent[] = [];
  while (!done(events)) {
    const result = await watcher.next();
    if (result.done) return events;
    events.push(...result.value.events);
  }
  return events;
}
