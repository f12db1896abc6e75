// The machines of a new cluster: names, ids, ports and every component's settings.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ClusterOptions } from './cluster-options.js';
import { chooseComponents, type MachineConfig, type MachinePorts } from './machine-config.js';
import type { PortAllocator } from './ports.js';
import { UPDATE_TRACK } from './update-server-process.js';

export async function planMachines(
  o: ClusterOptions,
  shared: { omahaUrl: string; publicKeyPath: string; controlUrl: string; ports: PortAllocator },
): Promise<MachineConfig[]> {
  const names = Array.from({ length: o.nodes }, (_, i) => `m${i + 1}`);
  const machinePorts: MachinePorts[] = [];
  for (const _ of names) {
    machinePorts.push({
      kvClient: await shared.ports.next(),
      kvPeer: await shared.ports.next(),
      updateEngine: await shared.ports.next(),
      fleet: await shared.ports.next(),
      locksmith: await shared.ports.next(),
      fleetLock: await shared.ports.next(),
    });
  }
  const kvEndpoints = machinePorts.map((p) => `http://127.0.0.1:${p.kvClient}`);
  const kvInitialCluster = names.map((n, i) => `${n}=http://127.0.0.1:${machinePorts[i]?.kvPeer}`).join(',');
  const components = chooseComponents({ fleetd: o.fleetd ?? true, locksmithd: o.locksmithd ?? true });
  const kvClusterToken = `coreos-ts-${randomBytes(4).toString('hex')}`;
  return names.map((name, i): MachineConfig => {
    const ports = machinePorts[i];
    if (ports === undefined) throw new Error('unreachable: a port set per machine');
    return {
      name,
      machineId: randomBytes(16).toString('hex'),
      dir: join(o.dir, 'machines', name),
      ports,
      kvInitialCluster,
      kvClusterToken,
      kvBinary: o.kvBinary ?? 'kvd',
      kvHeartbeatMs: o.kvHeartbeatMs ?? 50,
      kvElectionMs: o.kvElectionMs ?? 500,
      kvEndpoints,
      omahaUrl: shared.omahaUrl,
      updateGroup: UPDATE_TRACK,
      publicKeyPath: shared.publicKeyPath,
      checkInterval: o.checkInterval ?? '2s',
      initialCheckDelay: o.initialCheckDelay ?? '1s',
      healthWindow: o.healthWindow ?? '0s',
      badVersionsDir: join(o.dir, 'bad-versions'),
      controlUrl: shared.controlUrl,
      components,
      fleetAgentTtl: o.fleetAgentTtl ?? '3s',
      extraArgs: o.extraArgs ?? {},
      stopGraceMs: o.stopGraceMs ?? 3_000,
      logLevel: o.logLevel ?? 'info',
    };
  });
}
