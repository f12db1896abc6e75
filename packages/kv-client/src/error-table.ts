import { status } from '@grpc/grpc-js';
import {
  AuthFailedError,
  AuthNotEnabledError,
  CancelledError,
  CompactedError,
  DeadlineExceededError,
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevisionError,
  InvalidArgumentError,
  InvalidAuthTokenError,
  KvError,
  LeaseExistsError,
  LeaseNotFoundError,
  MemberExistsError,
  MemberNotFoundError,
  MemberNotLearnerError,
  NoLeaderError,
  NoSpaceError,
  PermissionDeniedError,
  RequestTimedOutError,
  RequestTooLargeError,
  ServerError,
  TooManyOpsError,
  UnavailableError,
  UnknownOutcomeError,
} from './errors.js';

type Make = (message: string, options: { grpcCode: number }) => KvError;

/**
 * etcd's error messages (api/v3rpc/rpctypes) -> our classes. Clients of etcd match on the text,
 * so do we; the gRPC code is kept on the error for callers that want it.
 */
const BY_MESSAGE: ReadonlyMap<string, Make> = new Map<string, Make>([
  ['etcdserver: key is not provided', (m, o) => new EmptyKeyError(m, o)],
  ['etcdserver: too many operations in txn request', (m, o) => new TooManyOpsError(m, o)],
  ['etcdserver: duplicate key given in txn request', (m, o) => new DuplicateKeyError(m, o)],
  ['etcdserver: mvcc: required revision has been compacted', (m, o) => new CompactedError(m, 0n, o)],
  ['etcdserver: mvcc: required revision is a future revision', (m, o) => new FutureRevisionError(m, o)],
  ['etcdserver: mvcc: database space exceeded', (m, o) => new NoSpaceError(m, o)],
  ['etcdserver: requested lease not found', (m, o) => new LeaseNotFoundError(m, o)],
  ['etcdserver: lease already exists', (m, o) => new LeaseExistsError(m, o)],
  ['etcdserver: request is too large', (m, o) => new RequestTooLargeError(m, o)],
  ['etcdserver: authentication failed, invalid user ID or password', (m, o) => new AuthFailedError(m, o)],
  ['etcdserver: permission denied', (m, o) => new PermissionDeniedError(m, o)],
  ['etcdserver: invalid auth token', (m, o) => new InvalidAuthTokenError(m, o)],
  ['etcdserver: authentication is not enabled', (m, o) => new AuthNotEnabledError(m, o)],
  ['etcdserver: no leader', (m, o) => new NoLeaderError(m, o)],
  ['etcdserver: member not found', (m, o) => new MemberNotFoundError(m, o)],
  ['etcdserver: member ID already exist', (m, o) => new MemberExistsError(m, o)],
  ['etcdserver: Peer URLs already exists', (m, o) => new MemberExistsError(m, o)],
  ['etcdserver: can only promote a learner member', (m, o) => new MemberNotLearnerError(m, o)],
]);

/** Where the failed call was when it failed: decides whether a transport error means "unknown outcome". */
export interface CallContext {
  endpoint: string;
  /** The call changes state (put, delete, txn, lease grant/revoke, member changes...). */
  mutating: boolean;
  /** The request was handed to an established connection. */
  sent: boolean;
}

interface GrpcLikeError {
  code: number;
  details?: string;
  message?: string;
}

function isGrpcError(err: unknown): err is GrpcLikeError {
  return typeof err === 'object' && err !== null && typeof (err as { code?: unknown }).code === 'number';
}

/** True when the error came from the etcd server itself (its message), not from the transport. */
export function isServerMessage(details: string): boolean {
  return details.startsWith('etcdserver:') || details.startsWith('mvcc:') || details.startsWith('auth:');
}

/**
 * The one mapping from anything a call can fail with to a KvError. Unrecognised server errors
 * become ServerError with the server's text; transport failures of a sent mutating call become
 * UnknownOutcomeError, because the write may have been applied.
 */
export function toKvError(err: unknown, context: CallContext): KvError {
  if (err instanceof KvError) return err;
  if (!isGrpcError(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ServerError(`${context.endpoint}: ${message}`, { cause: err });
  }
  const details = err.details ?? err.message ?? '';
  const options = { grpcCode: err.code };
  if (details.startsWith('etcdserver: request timed out') || details === 'etcdserver: leader changed') {
    // the proposal was made but not seen committed: a write may still apply
    if (context.mutating && context.sent) {
      return new UnknownOutcomeError(`outcome unknown: ${details}`, context.endpoint, { ...options, cause: err });
    }
    return new RequestTimedOutError(details, options);
  }
  const known = BY_MESSAGE.get(details);
  if (known) return known(details, options);
  const fromServer = isServerMessage(details);
  switch (err.code) {
    case status.UNAVAILABLE:
      if (fromServer) return new UnavailableError(details, options);
      if (context.mutating && context.sent) {
        return new UnknownOutcomeError(
          `outcome unknown: connection to ${context.endpoint} lost after the request was sent (${details})`,
          context.endpoint,
          options,
        );
      }
      return new UnavailableError(`${context.endpoint} unavailable: ${details}`, options);
    case status.DEADLINE_EXCEEDED:
      if (context.mutating && context.sent) {
        return new UnknownOutcomeError(
          `outcome unknown: deadline exceeded waiting for ${context.endpoint} after the request was sent`,
          context.endpoint,
          options,
        );
      }
      return new DeadlineExceededError(`deadline exceeded (${context.endpoint})`, options);
    case status.CANCELLED:
      return new CancelledError(`call cancelled (${context.endpoint})`, options);
    case status.INVALID_ARGUMENT:
      return new InvalidArgumentError(details, options);
    case status.PERMISSION_DENIED:
      return new PermissionDeniedError(details, options);
    case status.UNAUTHENTICATED:
      return new InvalidAuthTokenError(details, options);
    default:
      return new ServerError(details || `gRPC status ${err.code}`, options);
  }
}

/** Transport-level UNAVAILABLE or a server saying it cannot serve now: another member may do better. */
export function isRetryableOnAnotherEndpoint(error: KvError): boolean {
  return error instanceof UnavailableError || error instanceof NoLeaderError || error instanceof RequestTimedOutError;
}
