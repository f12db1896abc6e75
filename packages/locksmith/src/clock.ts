/** Where time comes from: injected everywhere, so cores and tests never read the wall clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
