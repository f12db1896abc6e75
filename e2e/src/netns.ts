// netns mode: every machine of a cluster in a network namespace of its own, with its own address,
// so that partitions between machines are real. For a cluster with id `a1b2c3` on 10.X.Y.0/24:
//
//   host namespace               cts-a1b2c3-sw (the switch)     cts-a1b2c3-m1, -m2, ...
//   cts-a1b2c3  10.X.Y.1/24 <--> uplink ┐
//                                       br0 ┬ m1 <--------------> eth0 10.X.Y.11/24 (and lo up)
//                                           └ m2 <--------------> eth0 10.X.Y.12/24
//
// The bridge lives in a namespace of its own, not the host's: bridged frames then never meet the
// host's firewall (with br_netfilter loaded, a FORWARD policy DROP such as dockerd sets would drop
// machine-to-machine traffic). The harness (host namespace) reaches every machine over its veth;
// the machines reach the host address (update-server, control endpoint). Removing the host's veth
// and the namespaces removes everything; the reaper does that too when the harness is killed.
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execTool } from './exec-tool.js';
import { parsePrefix, prefixesOverlap } from './ipv4-cidr.js';
import type { MachinePorts } from './machine-config.js';

export interface MachineNetwork {
  readonly name: string;
  readonly namespace: string;
  readonly address: string;
}

/** A netns cluster's network (names and addresses); cluster.json's `network`. */
export interface NetworkPlan {
  readonly id: string;
  /** `10.X.Y.0/24`. */
  readonly subnet: string;
  /** The veth end in the host namespace, holding `hostAddress`. */
  readonly hostLink: string;
  readonly hostAddress: string;
  /** The namespace holding the bridge `br0`. */
  readonly switchNamespace: string;
  readonly machines: readonly MachineNetwork[];
}

/** Every machine has its own address, so each listens on the components' usual ports. */
export const NETNS_MACHINE_PORTS: MachinePorts = {
  kvClient: 2379,
  kvPeer: 2380,
  updateEngine: 7070,
  fleet: 7666,
  locksmith: 7071,
  fleetLock: 7072,
};

const PREFIX = 'cts-';
const SUBNET_ATTEMPTS_MAX = 50;

/** The plan for cluster `id` on `subnetBase`.0/24 (`10.X.Y`); machine i (from 0) gets .(11+i). */
export function networkPlan(id: string, subnetBase: string, machineNames: readonly string[]): NetworkPlan {
  if (!/^[0-9a-f]{6}$/.test(id)) throw new Error(`network id (${id}) must be 6 hex digits`);
  if (machineNames.length > 200) throw new Error(`a /24 holds at most 200 machines (${machineNames.length})`);
  const base = `${PREFIX}${id}`; // 10 characters: interface names are limited to 15
  return {
    id,
    subnet: `${subnetBase}.0/24`,
    hostLink: base,
    hostAddress: `${subnetBase}.1`,
    switchNamespace: `${base}-sw`,
    machines: machineNames.map((name, i) => ({
      name,
      namespace: `${base}-${name}`,
      address: `${subnetBase}.${11 + i}`,
    })),
  };
}

/** What must go when the cluster ends (for the reaper). */
export function networkResources(plan: NetworkPlan): { links: string[]; namespaces: string[] } {
  return { links: [plan.hostLink], namespaces: [...plan.machines.map((m) => m.namespace), plan.switchNamespace] };
}

/** Why netns mode cannot run here, or undefined when it can. */
export function netnsUnsupportedReason(): string | undefined {
  if (process.getuid?.() !== 0) {
    return 'netns mode needs root: it creates network namespaces, veth pairs, a bridge and nft rules (run as root, or without --netns)';
  }
  const tools: readonly (readonly [string, string])[] = [
    ['ip', 'apt-get install iproute2'],
    ['nft', 'apt-get install nftables'],
  ];
  const missing = tools.filter(([tool]) => !onPath(tool));
  if (missing.length > 0) return `netns mode needs ${missing.map(([t, hint]) => `${t} (${hint})`).join(' and ')}`;
  return undefined;
}

export function requireNetnsSupport(): void {
  const reason = netnsUnsupportedReason();
  if (reason !== undefined) throw new Error(reason);
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, tool)));
}

/** A fresh id and a 10.X.Y.0/24 that overlaps no route of the host (other clusters' included). */
export async function chooseNetwork(machineNames: readonly string[]): Promise<NetworkPlan> {
  const routes = JSON.parse(await execTool('ip', ['-j', '-4', 'route', 'show', 'table', 'all'])) as { dst?: string }[];
  const taken = routes.flatMap((r) => {
    const prefix = r.dst === undefined ? undefined : parsePrefix(r.dst);
    return prefix === undefined ? [] : [prefix];
  });
  for (let attempt = 0; attempt < SUBNET_ATTEMPTS_MAX; attempt++) {
    const base = `10.${randomInt(64, 255)}.${randomInt(0, 256)}`;
    const candidate = parsePrefix(`${base}.0/24`);
    if (candidate !== undefined && !taken.some((t) => prefixesOverlap(t, candidate))) {
      return networkPlan(randomBytes(3).toString('hex'), base, machineNames);
    }
  }
  throw new Error(`no free 10.X.Y.0/24 found in ${SUBNET_ATTEMPTS_MAX} attempts`);
}

const ip = (...args: string[]) => execTool('ip', args);

/** Creates the switch, the host's veth and every machine's namespace (see the top of this file). */
export async function createNetwork(plan: NetworkPlan): Promise<void> {
  const sw = plan.switchNamespace;
  await ip('netns', 'add', sw);
  await ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
  await ip('-n', sw, 'link', 'set', 'br0', 'up');
  await ip('link', 'add', plan.hostLink, 'type', 'veth', 'peer', 'name', 'uplink', 'netns', sw);
  await ip('-n', sw, 'link', 'set', 'uplink', 'master', 'br0', 'up');
  await ip('addr', 'add', `${plan.hostAddress}/24`, 'dev', plan.hostLink);
  await ip('link', 'set', plan.hostLink, 'up');
  await Promise.all(
    plan.machines.map(async (m) => {
      await ip('netns', 'add', m.namespace);
      await ip('-n', m.namespace, 'link', 'set', 'lo', 'up');
      await ip('-n', sw, 'link', 'add', m.name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', m.namespace);
      await ip('-n', sw, 'link', 'set', m.name, 'master', 'br0', 'up');
      await ip('-n', m.namespace, 'addr', 'add', `${m.address}/24`, 'dev', 'eth0');
      await ip('-n', m.namespace, 'link', 'set', 'eth0', 'up');
    }),
  );
}

/** Removes the host's veth and every namespace (with their links and rules); what is gone is skipped. */
export async function destroyNetwork(plan: NetworkPlan): Promise<void> {
  const { links, namespaces } = networkResources(plan);
  const failures: string[] = [];
  const attempt = async (args: string[]) => {
    try {
      await ip(...args);
    } catch (err) {
      const message = (err as Error).message;
      if (!/Cannot find device|No such file or directory|does not exist/.test(message)) failures.push(message);
    }
  };
  for (const link of links) await attempt(['link', 'del', link]);
  for (const ns of namespaces) await attempt(['netns', 'del', ns]);
  if (failures.length > 0) throw new Error(`removing the cluster's network failed: ${failures.join('; ')}`);
}
