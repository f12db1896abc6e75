// Test helpers for fleet and the packages that test against it: a real dockerd with a tiny
// image, a bounded wait on a runtime's unit status, and what a power loss does to a fleetd's units.
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import type { UnitRuntime, UnitStatus } from '../runtime/unit-runtime.js';

export { BUSYBOX_IMAGE, DOCKER_SOCKET, ensureBusyboxImage, ensureDockerd } from './docker.js';
export { MemoryRuntime } from './memory-runtime.js';
export { killUnitProcesses, removeMachineContainers } from './power-loss.js';

/**
 * Resolves with the unit's status once `accept` holds, polling (a runtime reports state on
 * request; dockerd and /proc offer no event to await here); rejects after `timeoutMs` with the
 * last status seen.
 */
export async function waitForStatus(
  runtime: UnitRuntime,
  name: string,
  accept: (status: UnitStatus) => boolean,
  timeoutMs = 20_000,
): Promise<UnitStatus> {
  let last: UnitStatus | undefined;
  try {
    return await waitUntil(
      `${name} to reach the expected status`,
      async () => {
        last = await runtime.status(name);
        return accept(last) ? last : undefined;
      },
      { timeoutMs, intervalMs: 25 },
    );
  } catch (err) {
    throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last)}`);
  }
}

/** Collects a runtime's log lines for a unit (without follow). */
export async function collectLogs(runtime: UnitRuntime, name: string, lines: number): Promise<string[]> {
  const out: string[] = [];
  for await (const line of runtime.logs(name, { lines })) out.push(line);
  return out;
}
