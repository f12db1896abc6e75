import { LocksmithError } from '../errors.js';
import { goJsonString } from './go-json.js';
import { compareHolders } from './holder-order.js';

/**
 * locksmith's reboot semaphore, as stored under its key. `holders` is `null` where Go had a nil
 * slice (a semaphore nobody has locked yet) and `[]` after the last holder unlocked: the two
 * serialise differently and we keep locksmith's bytes.
 */
export interface Semaphore {
  /** Free slots: max minus the number of holders (negative after set-max lowered max). */
  readonly semaphore: number;
  readonly max: number;
  /** Sorted, unique holder ids. */
  readonly holders: readonly string[] | null;
}

/** What locksmith creates when the key is absent. */
export const INITIAL_SEMAPHORE: Semaphore = { semaphore: 1, max: 1, holders: null };

/** Bounds on what we accept, read or write. */
export const HOLDER_ID_BYTES_MAX = 256;
export const SEMAPHORE_MAX_LIMIT = 10_000;

/** Serialises as Go's encoding/json would: field order semaphore, max, holders; no spaces. */
export function encodeSemaphore(s: Semaphore): string {
  const holders = s.holders === null ? 'null' : `[${s.holders.map(goJsonString).join(',')}]`;
  return `{"semaphore":${s.semaphore},"max":${s.max},"holders":${holders}}`;
}

/** Parses and validates a stored semaphore; anything else is a corrupt-semaphore error. */
export function decodeSemaphore(text: string): Semaphore {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw corrupt('not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw corrupt('not a JSON object');
  const { semaphore, max, holders } = raw as Record<string, unknown>;
  if (!isInt32(semaphore)) throw corrupt('"semaphore" is not a 32-bit integer');
  if (!isInt32(max)) throw corrupt('"max" is not a 32-bit integer');
  if (holders !== null && holders !== undefined && !Array.isArray(holders)) {
    throw corrupt('"holders" is neither null nor an array');
  }
  const list = (holders ?? null) as unknown[] | null;
  if (list) {
    for (let i = 0; i < list.length; i++) {
      if (typeof list[i] !== 'string') throw corrupt(`holder ${i} is not a string`);
      if (i > 0 && compareHolders(list[i - 1] as string, list[i] as string) >= 0)
        throw corrupt('holders are not sorted and unique');
    }
  }
  return { semaphore: semaphore as number, max: max as number, holders: list as string[] | null };
}

function isInt32(n: unknown): n is number {
  return Number.isInteger(n) && (n as number) >= -2_147_483_648 && (n as number) <= 2_147_483_647;
}

function corrupt(why: string): LocksmithError {
  return new LocksmithError('corrupt-semaphore', `stored semaphore is invalid: ${why}`);
}

/** The holders as a list (empty for Go's nil). */
export function holdersOf(s: Semaphore): readonly string[] {
  return s.holders ?? [];
}
