import { DomainError, type ErrorKind } from '@coreos-ts/grpc-kit';

/** The closed set of locksmith's operating errors. */
export type LocksmithErrorCode =
  /** No free slot: the semaphore is at 0 (or below, after set-max lowered it). */
  | 'semaphore-full'
  /** Unlock by an id that holds no slot. */
  | 'not-holder'
  /** A bad id, group, max or request. */
  | 'invalid-argument'
  /** The stored semaphore is not valid locksmith JSON. */
  | 'corrupt-semaphore'
  /** Every compare-and-swap attempt lost a race with another writer. */
  | 'contention'
  /** The store could not be reached or did not answer; SemaphoreStore implementations throw this. */
  | 'store-unavailable';

/** The one table from locksmith's codes to the shared error kinds (and so to gRPC statuses). */
const KIND_OF_CODE: Record<LocksmithErrorCode, ErrorKind> = {
  'semaphore-full': 'resource-exhausted',
  'not-holder': 'failed-precondition',
  'invalid-argument': 'invalid-argument',
  'corrupt-semaphore': 'failed-precondition',
  contention: 'aborted',
  'store-unavailable': 'unavailable',
};

export class LocksmithError extends DomainError {
  constructor(
    readonly code: LocksmithErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(KIND_OF_CODE[code], message);
    this.name = 'LocksmithError';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
