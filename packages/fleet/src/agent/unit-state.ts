import type { UnitStateRecord } from '../registry/records.js';
import type { UnitStatus } from '../runtime/unit-runtime.js';

/**
 * The state an agent publishes for a unit: the runtime's status (systemd-like LOAD/ACTIVE/SUB),
 * or `error`/`failed` with the message when the runtime could not answer or start it.
 */
export function unitStateRecord(
  hash: string,
  launched: boolean,
  outcome: { status: UnitStatus } | { error: string },
): UnitStateRecord {
  if ('error' in outcome) {
    return { hash, load: 'error', active: 'failed', sub: 'failed', launched, message: outcome.error };
  }
  const status = outcome.status;
  return {
    hash,
    load: 'loaded',
    active: status.active,
    sub: status.sub,
    launched,
    ...(status.pid === undefined ? {} : { pid: status.pid }),
    ...(status.containerId === undefined ? {} : { containerId: status.containerId }),
    ...(status.exitCode === undefined ? {} : { exitCode: status.exitCode }),
    ...(status.message === undefined ? {} : { message: status.message }),
  };
}
