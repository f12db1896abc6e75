// The units a machine's fleetd started live outside the machine's own processes: fleetd spawns
// them detached, and containers live in the host's one dockerd. So stopping fleetd leaves them
// running, as fleetd intends (a restarted fleetd adopts them). A machine that loses power or
// reboots loses them: when a machine goes off, the harness kills its unit processes and removes
// its containers, as the real machine would.
import { existsSync } from 'node:fs';
import { DOCKER_SOCKET, killUnitProcesses, removeMachineContainers } from '@coreos-ts/fleet/testing';
import { type MachineConfig, machinePaths } from './machine-config.js';

/** What a machine still ran through fleet when it went off. */
export interface UnitsLost {
  /** `.service` units whose processes were killed. */
  readonly processes: readonly string[];
  /** `.container` units whose containers were removed. */
  readonly containers: readonly string[];
}

export async function loseUnits(config: MachineConfig): Promise<UnitsLost> {
  if (!config.components.includes('fleetd')) return { processes: [], containers: [] };
  const processes = await killUnitProcesses(machinePaths(config.dir).fleetDir);
  const containers =
    config.dockerSocket === '' ? [] : await removeMachineContainers(config.dockerSocket, config.machineId);
  return { processes, containers };
}

/** For the `docker` option: fleetd quietly runs without containers when the socket is missing. */
export function requireDockerSocket(): void {
  if (!existsSync(DOCKER_SOCKET)) {
    throw new Error(`docker: no dockerd socket at ${DOCKER_SOCKET} (start one: bash tools/ci/dockerd.sh start)`);
  }
}
