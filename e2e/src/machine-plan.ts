// The machines of a new cluster: names, ids, ports and every component's settings.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DOCKER_SOCKET } from '@coreos-ts/fleet/testing';
import type { ClusterOptions } from './cluster-options.js';
import { chooseComponents, type MachineConfig, type MachinePorts } from './machine-config.js';
import { NETNS_MACHINE_PORTS, type NetworkPlan } from './netns.js';
import type { PortAllocator } from './ports.js';
import { UPDATE_TRACK } from './update-server-process.js';

/** m1, m2, ... */
export function machineNames(nodes: number): string[] {
  return Array.from({ length: nodes }, (_, i) => `m${i + 1}`);
}

export async function planMachines(
  o: ClusterOptions,
  shared: { omahaUrl: string; publicKeyPath: string; controlUrl: string; ports: PortAllocator },
  network?: NetworkPlan,
): Promise<MachineConfig[]> {
  const names = machineNames(o.nodes);
  const machinePorts: MachinePorts[] = [];
  // netns mode: a machine's own address (and the usual ports); otherwise 127.0.0.1, distinct ports
  const hosts = names.map((name) => network?.machines.find((m) => m.name === name)?.address ?? '127.0.0.1');
  for (const _ of names) {
    if (network !== undefined) {
      machinePorts.push(NETNS_MACHINE_PORTS);
      continue;
    }
    machinePorts.push({
      kvClient: await shared.ports.next(),
      kvPeer: await shared.ports.next(),
      updateEngine: await shared.ports.next(),
      fleet: await shared.ports.next(),
      locksmith: await shared.ports.next(),
      fleetLock: await shared.ports.next(),
    });
  }
  const kvEndpoints = machinePorts.map((p, i) => `http://${hosts[i]}:${p.kvClient}`);
  const kvInitialCluster = names.map((n, i) => `${n}=http://${hosts[i]}:${machinePorts[i]?.kvPeer}`).join(',');
  const components = chooseComponents({ fleetd: o.fleetd ?? true, locksmithd: o.locksmithd ?? true });
  const kvClusterToken = `coreos-ts-${randomBytes(4).toString('hex')}`;
  return names.map((name, i): MachineConfig => {
    const ports = machinePorts[i];
    const host = hosts[i];
    if (ports === undefined || host === undefined) throw new Error('unreachable: ports and a host per machine');
    const netns = network?.machines.find((m) => m.name === name)?.namespace;
    return {
      name,
      machineId: randomBytes(16).toString('hex'),
      dir: join(o.dir, 'machines', name),
      ports,
      host,
      ...(netns === undefined ? {} : { netns }),
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
      dockerSocket: o.docker === true ? DOCKER_SOCKET : '',
      extraArgs: o.extraArgs ?? {},
      stopGraceMs: o.stopGraceMs ?? 3_000,
      logLevel: o.logLevel ?? 'info',
    };
  });
}
