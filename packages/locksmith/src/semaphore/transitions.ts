import { compareHolders, searchHolders } from './holder-order.js';
import { HOLDER_ID_BYTES_MAX, holdersOf, SEMAPHORE_MAX_LIMIT, type Semaphore } from './semaphore.js';

/** Why a transition was refused. */
export type RefusalCode = 'semaphore-full' | 'not-holder' | 'invalid-argument';

export interface Refusal {
  readonly ok: false;
  readonly code: RefusalCode;
  readonly message: string;
}

/** A transition's result: the new state, and whether anything changed (nothing to write if not). */
export interface Applied {
  readonly ok: true;
  readonly state: Semaphore;
  readonly changed: boolean;
}

export type TransitionResult = Applied | Refusal;

function refuse(code: RefusalCode, message: string): Refusal {
  return { ok: false, code, message };
}

function unchanged(state: Semaphore): Applied {
  return { ok: true, state, changed: false };
}

/** A holder id: non-empty, at most HOLDER_ID_BYTES_MAX bytes of UTF-8. */
export function validateHolderId(id: string): string | undefined {
  if (id.length === 0) return 'holder id must not be empty';
  if (Buffer.byteLength(id, 'utf8') > HOLDER_ID_BYTES_MAX) {
    return `holder id must be at most ${HOLDER_ID_BYTES_MAX} bytes`;
  }
  return undefined;
}

/**
 * Takes a slot for `id`. Locks are owned and recursive: a holder locking again succeeds without
 * change (locksmith refused it with "semaphore is at 0" when max=1, locksmith issue #58).
 */
export function lock(state: Semaphore, id: string): TransitionResult {
  const invalid = validateHolderId(id);
  if (invalid) return refuse('invalid-argument', invalid);
  const holders = holdersOf(state);
  const at = searchHolders(holders, id);
  if (holders[at] === id) return unchanged(state);
  if (state.semaphore <= 0) return refuse('semaphore-full', `semaphore is at ${state.semaphore}`);
  const next = [...holders.slice(0, at), id, ...holders.slice(at)];
  return { ok: true, changed: true, state: { semaphore: state.semaphore - 1, max: state.max, holders: next } };
}

/** Gives `id`'s slot back. Leaves `[]` (not null) after the last holder, as Go's slice removal does. */
export function unlock(state: Semaphore, id: string): TransitionResult {
  const holders = holdersOf(state);
  const at = searchHolders(holders, id);
  if (holders[at] !== id) return refuse('not-holder', `holder does not exist: ${id} holds no slot`);
  const next = [...holders.slice(0, at), ...holders.slice(at + 1)];
  return { ok: true, changed: true, state: { semaphore: state.semaphore + 1, max: state.max, holders: next } };
}

/** Changes max by the difference, as locksmith does: existing holders keep their slots. */
export function setMax(state: Semaphore, max: number): TransitionResult {
  if (!Number.isSafeInteger(max) || max < 0 || max > SEMAPHORE_MAX_LIMIT) {
    return refuse('invalid-argument', `max (${max}) must be an integer from 0 to ${SEMAPHORE_MAX_LIMIT}`);
  }
  if (max === state.max) return unchanged(state);
  const diff = state.max - max;
  return { ok: true, changed: true, state: { semaphore: state.semaphore - diff, max, holders: state.holders } };
}

/** Releases every listed id that holds a slot; ids that hold none are ignored. */
export function releaseStale(state: Semaphore, ids: readonly string[]): TransitionResult {
  const stale = new Set(ids);
  const holders = holdersOf(state);
  const kept = holders.filter((h) => !stale.has(h));
  if (kept.length === holders.length) return unchanged(state);
  const released = holders.length - kept.length;
  return {
    ok: true,
    changed: true,
    state: { semaphore: state.semaphore + released, max: state.max, holders: kept },
  };
}

/** True when holders are sorted in Go's order and unique. */
export function holdersAreSorted(holders: readonly string[]): boolean {
  return holders.every((h, i) => i === 0 || compareHolders(holders[i - 1]!, h) < 0);
}
