/**
 * The client's typed errors. Every failure a caller sees is one of these: gRPC errors are
 * mapped in error-table.ts (the one place that knows etcd's codes and message texts), and
 * nothing from grpc-js escapes raw.
 */
export type KvErrorCode =
  | 'compacted'
  | 'future-revision'
  | 'lease-not-found'
  | 'lease-exists'
  | 'no-leader'
  | 'not-capable'
  | 'request-timed-out'
  | 'permission-denied'
  | 'invalid-auth-token'
  | 'auth-failed'
  | 'auth-not-enabled'
  | 'no-space'
  | 'too-many-ops'
  | 'duplicate-key'
  | 'request-too-large'
  | 'empty-key'
  | 'member-not-found'
  | 'member-exists'
  | 'member-not-learner'
  | 'unavailable'
  | 'deadline-exceeded'
  | 'unknown-outcome'
  | 'too-many-pending-calls'
  | 'client-closed'
  | 'cancelled'
  | 'session-expired'
  | 'not-leader'
  | 'no-election-leader'
  | 'stm-conflict'
  | 'invalid-argument'
  | 'server';

export class KvError extends Error {
  readonly code: KvErrorCode;
  /** The gRPC status code the server (or transport) answered with, when there was one. */
  readonly grpcCode: number | undefined;
  constructor(code: KvErrorCode, message: string, options?: { grpcCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.grpcCode = options?.grpcCode;
  }
}

type ErrorOptions = { grpcCode?: number; cause?: unknown };

/** The requested revision is below the compaction point. */
export class CompactedError extends KvError {
  /** The store's compaction revision: the oldest revision still readable. 0n when the server did not say. */
  readonly compactRevision: bigint;
  constructor(message: string, compactRevision = 0n, options?: ErrorOptions) {
    super('compacted', message, options);
    this.compactRevision = compactRevision;
  }
}

export class FutureRevisionError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('future-revision', message, options);
  }
}
export class LeaseNotFoundError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('lease-not-found', message, options);
  }
}
export class LeaseExistsError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('lease-exists', message, options);
  }
}
export class NoLeaderError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('no-leader', message, options);
  }
}
export class RequestTimedOutError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('request-timed-out', message, options);
  }
}
export class PermissionDeniedError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('permission-denied', message, options);
  }
}
export class InvalidAuthTokenError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid-auth-token', message, options);
  }
}
export class AuthFailedError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('auth-failed', message, options);
  }
}
export class AuthNotEnabledError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('auth-not-enabled', message, options);
  }
}
export class NoSpaceError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('no-space', message, options);
  }
}
export class TooManyOpsError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('too-many-ops', message, options);
  }
}
export class DuplicateKeyError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('duplicate-key', message, options);
  }
}
export class RequestTooLargeError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('request-too-large', message, options);
  }
}
export class EmptyKeyError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('empty-key', message, options);
  }
}
export class MemberNotFoundError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('member-not-found', message, options);
  }
}
export class MemberExistsError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('member-exists', message, options);
  }
}
export class MemberNotLearnerError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('member-not-learner', message, options);
  }
}
/** No endpoint could be reached (or every one answered UNAVAILABLE) within the call deadline. */
export class UnavailableError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('unavailable', message, options);
  }
}
export class DeadlineExceededError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('deadline-exceeded', message, options);
  }
}
/**
 * A write was sent but its answer never came back (the connection broke or the deadline passed
 * after sending): it may or may not have been applied. The client never retries such a write.
 */
export class UnknownOutcomeError extends KvError {
  readonly endpoint: string;
  constructor(message: string, endpoint: string, options?: ErrorOptions) {
    super('unknown-outcome', message, options);
    this.endpoint = endpoint;
  }
}
export class TooManyPendingCallsError extends KvError {
  constructor(message: string) {
    super('too-many-pending-calls', message);
  }
}
export class ClientClosedError extends KvError {
  constructor(message = 'client is closed') {
    super('client-closed', message);
  }
}
export class CancelledError extends KvError {
  constructor(message = 'call cancelled', options?: ErrorOptions) {
    super('cancelled', message, options);
  }
}
/** The session's lease is gone (revoked, expired, or its keep-alives stopped being answered). */
export class SessionExpiredError extends KvError {
  constructor(message = 'session expired') {
    super('session-expired', message);
  }
}
export class NotLeaderError extends KvError {
  constructor(message = 'election: not leader') {
    super('not-leader', message);
  }
}
export class NoElectionLeaderError extends KvError {
  constructor(message = 'election: no leader') {
    super('no-election-leader', message);
  }
}
export class StmConflictError extends KvError {
  constructor(message: string) {
    super('stm-conflict', message);
  }
}
export class InvalidArgumentError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('invalid-argument', message, options);
  }
}
/** A server error with no more specific class; carries the server's message. */
export class ServerError extends KvError {
  constructor(message: string, options?: ErrorOptions) {
    super('server', message, options);
  }
}
