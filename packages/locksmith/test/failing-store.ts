import { LocksmithError } from '../src/errors.js';
import type { SemaphoreStore } from '../src/store/semaphore-store.js';

/** A store whose every call fails: with the store-unavailable error, or with a bug. */
export function failingStore(kind: 'unavailable' | 'bug'): SemaphoreStore {
  const fail = async (): Promise<never> => {
    throw kind === 'unavailable'
      ? new LocksmithError('store-unavailable', 'no endpoint answered within 5s')
      : new TypeError('secret internal detail');
  };
  return {
    get: fail,
    createIfAbsent: fail,
    compareAndSwap: fail,
    putLiveness: fail,
    deleteLiveness: fail,
    exists: fail,
  };
}
