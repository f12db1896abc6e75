/**
 * What losing power does to the units a fleetd ran: fleetd leaves them running when it stops (so
 * a restarted fleetd adopts them), a machine that loses power or reboots does not. For harnesses
 * that play machines on one host: kill what a fleetd's process runtime recorded, remove the
 * containers labelled with its machine ID.
 */
import { join } from 'node:path';
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import Docker from 'dockerode';
import { MACHINE_LABEL, UNIT_LABEL } from '../runtime/docker/docker-runtime.js';
import { isSameProcess, readProcStat } from '../runtime/process/proc-stat.js';
import { UnitRecords } from '../runtime/process/unit-records.js';

/**
 * SIGKILLs the process group of every unit recorded under fleetd's `--state-dir` that still
 * runs (the very process recorded, not a later one with its pid) and waits until each is gone.
 * Resolves with the names of the units it killed.
 */
export async function killUnitProcesses(fleetStateDir: string, timeoutMs = 5_000): Promise<string[]> {
  const records = new UnitRecords(join(fleetStateDir, 'process'));
  await records.init();
  const killed: { name: string; pid: number; startTime: string }[] = [];
  for (const r of (await records.readAll()).records) {
    const stat = await readProcStat(r.pid);
    if (stat === undefined || !(await isSameProcess(r.pid, r.startTime))) continue;
    try {
      process.kill(-stat.pgrp, 'SIGKILL');
      killed.push({ name: r.name, pid: r.pid, startTime: r.startTime });
    } catch {
      // gone meanwhile
    }
  }
  // not our children: their end shows only in /proc
  await waitUntil(
    `the killed unit processes (${killed.map((k) => `${k.name} pid ${k.pid}`).join(', ')}) to be gone`,
    async () => {
      for (const k of killed) if (await isSameProcess(k.pid, k.startTime)) return false;
      return true;
    },
    { timeoutMs, intervalMs: 20 },
  );
  return killed.map((k) => k.name);
}

/**
 * Removes (forcibly) every container a fleetd with `machineId` started on the dockerd at
 * `socketPath`; resolves with their units' names.
 */
export async function removeMachineContainers(socketPath: string, machineId: string): Promise<string[]> {
  const docker = new Docker({ socketPath });
  const found = await docker.listContainers({ all: true, filters: { label: [`${MACHINE_LABEL}=${machineId}`] } });
  for (const c of found) {
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch((err: { statusCode?: number }) => {
        if (err.statusCode !== 404) throw err; // 404: removed meanwhile
      });
  }
  return found.map((c) => c.Labels[UNIT_LABEL] ?? c.Id);
}
