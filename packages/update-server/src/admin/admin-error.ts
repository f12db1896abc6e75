// Domain errors of the admin API; one table at the gRPC edge maps the codes to statuses.
export type AdminErrorCode =
  | 'not-found'
  | 'invalid-argument'
  | 'already-exists'
  | 'failed-precondition'
  | 'resource-exhausted';

export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly code: AdminErrorCode,
    message: string,
  ) {
    super(message);
  }
}
