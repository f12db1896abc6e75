import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from './logger.js';

/**
 * The closed set of kinds a domain error can have. Each component throws DomainErrors (or
 * subclasses) with one of these kinds; the gRPC edge turns them into a status in one place.
 */
export type ErrorKind =
  | 'invalid-argument'
  | 'not-found'
  | 'already-exists'
  | 'failed-precondition'
  | 'out-of-range'
  | 'unavailable'
  | 'resource-exhausted'
  | 'permission-denied'
  | 'unauthenticated'
  | 'deadline-exceeded'
  | 'aborted'
  | 'cancelled'
  | 'unimplemented';

const STATUS_OF_KIND: Record<ErrorKind, status> = {
  'invalid-argument': status.INVALID_ARGUMENT,
  'not-found': status.NOT_FOUND,
  'already-exists': status.ALREADY_EXISTS,
  'failed-precondition': status.FAILED_PRECONDITION,
  'out-of-range': status.OUT_OF_RANGE,
  unavailable: status.UNAVAILABLE,
  'resource-exhausted': status.RESOURCE_EXHAUSTED,
  'permission-denied': status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  'deadline-exceeded': status.DEADLINE_EXCEEDED,
  aborted: status.ABORTED,
  cancelled: status.CANCELLED,
  unimplemented: status.UNIMPLEMENTED,
};

const KIND_OF_STATUS = new Map<status, ErrorKind>(
  Object.entries(STATUS_OF_KIND).map(([kind, code]) => [code, kind as ErrorKind]),
);

/** An operating error: expected, handled, reported to the client with its message. */
export class DomainError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const GENERIC_INTERNAL_MESSAGE = 'internal error';

/**
 * The one table from errors to gRPC statuses. A DomainError keeps its message; anything else is
 * a bug: it becomes UNKNOWN with a generic message, and its stack goes to the log only.
 */
export function toServiceError(err: unknown, log: Logger, method: string): Partial<ServiceError> {
  if (err instanceof DomainError) {
    return { code: STATUS_OF_KIND[err.kind], details: err.message, metadata: new Metadata() };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  log.error({ method, err: { message: e.message, stack: e.stack } }, 'unhandled error in handler');
  return { code: status.UNKNOWN, details: GENERIC_INTERNAL_MESSAGE, metadata: new Metadata() };
}

/** The kind a gRPC status code stands for, for clients that turn statuses back into domain errors. */
export function kindOfStatus(code: status): ErrorKind | undefined {
  return KIND_OF_STATUS.get(code);
}
