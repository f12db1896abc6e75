import { HOLDER_ID_BYTES_MAX } from '../semaphore/semaphore.js';

/**
 * The FleetLock protocol (Zincati's reboot manager protocol), pure: which operation a request
 * asks for, or the error to answer with. Errors are `{"kind","value"}` with a small, fixed set
 * of kinds, as the protocol asks.
 */
export const PRE_REBOOT_PATH = '/v1/pre-reboot';
export const STEADY_STATE_PATH = '/v1/steady-state';
export const FLEETLOCK_HEADER = 'fleet-lock-protocol';

/** FleetLock groups: non-empty, `^[a-zA-Z0-9.-]+$`. */
const GROUP_PATTERN = /^[a-zA-Z0-9.-]+$/;
const GROUP_LENGTH_MAX = 253;

export type FleetLockOperation = 'recursive-lock' | 'unlock-if-held';

export interface FleetLockRequest {
  readonly operation: FleetLockOperation;
  readonly id: string;
  readonly group: string;
}

export type FleetLockErrorKind =
  | 'not_found'
  | 'method_not_allowed'
  | 'missing_fleet_lock_header'
  | 'body_too_large'
  | 'invalid_body'
  | 'invalid_client_identity'
  | 'invalid_group'
  | 'failed_lock_semaphore_full'
  | 'failed_lock_contention'
  | 'failed_semaphore_corrupt'
  | 'failed_lock'
  | 'failed_unlock';

export interface FleetLockError {
  readonly status: number;
  readonly kind: FleetLockErrorKind;
  readonly value: string;
}

export type ParsedRequest = { ok: true; request: FleetLockRequest } | { ok: false; error: FleetLockError };

const fail = (status: number, kind: FleetLockErrorKind, value: string): ParsedRequest => ({
  ok: false,
  error: { status, kind, value },
});

/** The operation for a path, if it is one of the protocol's. */
export function operationOfPath(path: string): FleetLockOperation | undefined {
  if (path === PRE_REBOOT_PATH) return 'recursive-lock';
  if (path === STEADY_STATE_PATH) return 'unlock-if-held';
  return undefined;
}

export function parseFleetLockRequest(
  method: string,
  path: string,
  headerValue: string | undefined,
  body: string,
): ParsedRequest {
  const operation = operationOfPath(path);
  if (!operation) return fail(404, 'not_found', `no FleetLock endpoint at ${path}`);
  if (method !== 'POST') return fail(405, 'method_not_allowed', `${path} accepts POST only`);
  if (headerValue?.trim().toLowerCase() !== 'true') {
    return fail(400, 'missing_fleet_lock_header', `header "${FLEETLOCK_HEADER}: true" is required`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return fail(400, 'invalid_body', 'body is not JSON');
  }
  const params = (parsed as { client_params?: unknown } | null)?.client_params;
  if (typeof params !== 'object' || params === null) {
    return fail(400, 'invalid_body', 'body must be {"client_params":{"id":"...","group":"..."}}');
  }
  const { id, group } = params as { id?: unknown; group?: unknown };
  if (typeof id !== 'string' || id.length === 0 || Buffer.byteLength(id, 'utf8') > HOLDER_ID_BYTES_MAX) {
    return fail(
      400,
      'invalid_client_identity',
      `client_params.id must be a non-empty string of at most ${HOLDER_ID_BYTES_MAX} bytes`,
    );
  }
  if (typeof group !== 'string' || group.length > GROUP_LENGTH_MAX || !GROUP_PATTERN.test(group)) {
    return fail(
      400,
      'invalid_group',
      `client_params.group must match ^[a-zA-Z0-9.-]+$ (at most ${GROUP_LENGTH_MAX} characters)`,
    );
  }
  return { ok: true, request: { operation, id, group } };
}
