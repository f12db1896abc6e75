import { DomainError, type ErrorKind } from '@coreos-ts/grpc-kit';
import { KvError, type KvErrorCode } from '../errors.js';

/** The one table from kv's domain errors to gRPC status kinds (etcd's rpctypes/error.go). */
const KIND_OF: Record<KvErrorCode, ErrorKind> = {
  EmptyKey: 'invalid-argument',
  KeyNotFound: 'invalid-argument',
  ValueProvided: 'invalid-argument',
  LeaseProvided: 'invalid-argument',
  TooManyOps: 'invalid-argument',
  DuplicateKey: 'invalid-argument',
  InvalidSortOption: 'invalid-argument',
  Compacted: 'out-of-range',
  FutureRev: 'out-of-range',
  NoSpace: 'resource-exhausted',
  LeaseNotFound: 'not-found',
  LeaseExist: 'failed-precondition',
  LeaseTtlTooLarge: 'out-of-range',
  NotPrimary: 'unavailable',
  TooManyRequests: 'resource-exhausted',
  RequestTooLarge: 'invalid-argument',
  NoLeader: 'unavailable',
  NotLeader: 'unavailable',
  Timeout: 'unavailable',
  MemberNotFound: 'not-found',
  MemberNotLearner: 'failed-precondition',
  LearnerNotReady: 'failed-precondition',
  PeerUrlExist: 'failed-precondition',
  Unhealthy: 'unavailable',
  UserEmpty: 'invalid-argument',
  UserAlreadyExist: 'failed-precondition',
  UserNotFound: 'failed-precondition',
  RoleAlreadyExist: 'failed-precondition',
  RoleNotFound: 'failed-precondition',
  RoleNotGranted: 'failed-precondition',
  PermissionNotGranted: 'failed-precondition',
  RootUserNotExist: 'failed-precondition',
  RootRoleNotExist: 'failed-precondition',
  AuthFailed: 'invalid-argument',
  PermissionDenied: 'permission-denied',
  InvalidAuthToken: 'unauthenticated',
  AuthNotEnabled: 'failed-precondition',
  InvalidAuthMgmt: 'failed-precondition',
};

/** A KvError becomes a DomainError with etcd's message; anything else passes through unchanged. */
export function toDomainError(err: unknown): unknown {
  if (err instanceof KvError) return new DomainError(KIND_OF[err.code], err.message);
  return err;
}
