// The kv domain errors: a closed set of codes, each carrying etcd's exact message text
// (clients such as etcdctl and the etcd3 npm package match on the text). The gRPC edge maps
// `code` to a status code; nothing inside kv knows about gRPC.

const messages = {
  EmptyKey: 'etcdserver: key is not provided',
  KeyNotFound: 'etcdserver: key not found',
  ValueProvided: 'etcdserver: value is provided',
  LeaseProvided: 'etcdserver: lease is provided',
  TooManyOps: 'etcdserver: too many operations in txn request',
  DuplicateKey: 'etcdserver: duplicate key given in txn request',
  InvalidSortOption: 'etcdserver: invalid sort option',
  Compacted: 'etcdserver: mvcc: required revision has been compacted',
  FutureRev: 'etcdserver: mvcc: required revision is a future revision',
  NoSpace: 'etcdserver: mvcc: database space exceeded',
  LeaseNotFound: 'etcdserver: requested lease not found',
  LeaseExist: 'etcdserver: lease already exists',
  LeaseTtlTooLarge: 'etcdserver: too large lease TTL',
  NotPrimary: 'not a primary lessor',
  TooManyRequests: 'etcdserver: too many requests',
  RequestTooLarge: 'etcdserver: request is too large',
  NoLeader: 'etcdserver: no leader',
  NotLeader: 'etcdserver: not leader',
  Timeout: 'etcdserver: request timed out',
  MemberNotFound: 'etcdserver: member not found',
  MemberNotLearner: 'etcdserver: can only promote a learner member',
  LearnerNotReady: 'etcdserver: can only promote a learner member which is in sync with leader',
  PeerUrlExist: 'etcdserver: Peer URLs already exists',
  Unhealthy: 'etcdserver: unhealthy cluster',
  UserEmpty: 'etcdserver: user name is empty',
  UserAlreadyExist: 'etcdserver: user name already exists',
  UserNotFound: 'etcdserver: user name not found',
  RoleAlreadyExist: 'etcdserver: role name already exists',
  RoleNotFound: 'etcdserver: role name not found',
  RoleNotGranted: 'etcdserver: role is not granted to the user',
  PermissionNotGranted: 'etcdserver: permission is not granted to the role',
  RootUserNotExist: 'etcdserver: root user does not exist',
  RootRoleNotExist: 'etcdserver: root user does not have root role',
  AuthFailed: 'etcdserver: authentication failed, invalid user ID or password',
  PermissionDenied: 'etcdserver: permission denied',
  InvalidAuthToken: 'etcdserver: invalid auth token',
  AuthNotEnabled: 'etcdserver: authentication is not enabled',
  InvalidAuthMgmt: 'etcdserver: invalid auth management',
} as const;

export type KvErrorCode = keyof typeof messages;

export const kvErrorCodes: readonly KvErrorCode[] = Object.keys(messages) as KvErrorCode[];

export function kvErrorMessage(code: KvErrorCode): string {
  return messages[code];
}

export class KvError extends Error {
  override readonly name = 'KvError';
  readonly code: KvErrorCode;

  constructor(code: KvErrorCode) {
    super(messages[code]);
    this.code = code;
  }
}

export function isKvError(err: unknown, code?: KvErrorCode): err is KvError {
  return err instanceof KvError && (code === undefined || err.code === code);
}
