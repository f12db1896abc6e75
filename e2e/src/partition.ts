// Partitions in netns mode: the machines split into groups that cannot reach each other. Each
// machine's namespace gets an nft table dropping every packet that arrives from a machine of
// another group; dropped on arrival at both ends, both directions are cut, as by a broken network,
// while the host address (harness clients, status, update-server, control endpoint) stays
// reachable. Healing flushes the rules. They live in the machine's namespace, which only this
// cluster uses, so they outlast a reboot of the machine (the network is not the machine's).
import { execTool } from './exec-tool.js';
import type { NetworkPlan } from './netns.js';

export type PartitionGroups = readonly (readonly string[])[];

/** `m1,m2 / m3,m4,m5` (the CLI's form) -> [['m1', 'm2'], ['m3', 'm4', 'm5']]. */
export function parsePartition(text: string): string[][] {
  const groups = text.split('/').map((g) => g.split(/[\s,]+/).filter((name) => name !== ''));
  if (groups.some((g) => g.length === 0)) {
    throw new Error(`partition "${text}" has an empty group: write e.g. m1,m2 / m3,m4,m5`);
  }
  return groups;
}

/**
 * Checks `groups` against the cluster's machines: each named at most once, every name known.
 * A single group is cut off from the rest; otherwise the groups must name every machine.
 */
export function completePartition(groups: PartitionGroups, machineNames: readonly string[]): string[][] {
  const named = groups.flat();
  const unknown = named.filter((n) => !machineNames.includes(n));
  if (unknown.length > 0) throw new Error(`no machine ${unknown.join(', ')} (machines: ${machineNames.join(', ')})`);
  const twice = named.filter((n, i) => named.indexOf(n) !== i);
  if (twice.length > 0) throw new Error(`${[...new Set(twice)].join(', ')} named in more than one group`);
  if (groups.some((g) => g.length === 0)) throw new Error('a partition group is empty');
  const rest = machineNames.filter((n) => !named.includes(n));
  if (groups.length === 1) {
    if (rest.length === 0) throw new Error('a partition needs at least two groups');
    return [[...(groups[0] ?? [])], rest];
  }
  if (rest.length > 0) throw new Error(`every machine must be in a group: ${rest.join(', ')} is in none`);
  return groups.map((g) => [...g]);
}

export const PARTITION_TABLE = 'coreos_ts_partition';

/** The nft script a machine's namespace loads: drop whatever arrives from `blocked` addresses. */
export function partitionRuleset(blocked: readonly string[]): string {
  return [
    'flush ruleset',
    `table inet ${PARTITION_TABLE} {`,
    '  chain input {',
    '    type filter hook input priority 0; policy accept;',
    ...(blocked.length > 0 ? [`    ip saddr { ${blocked.join(', ')} } drop`] : []),
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Per machine, the addresses of the machines outside its group. */
export function blockedAddresses(plan: NetworkPlan, groups: PartitionGroups): Map<string, string[]> {
  const groupOf = (name: string) => groups.findIndex((g) => g.includes(name));
  const blocked = new Map<string, string[]>();
  for (const m of plan.machines) {
    blocked.set(
      m.name,
      plan.machines.filter((other) => groupOf(other.name) !== groupOf(m.name)).map((other) => other.address),
    );
  }
  return blocked;
}

const nft = (namespace: string, script: string) =>
  execTool('ip', ['netns', 'exec', namespace, 'nft', '-f', '-'], script);

/** Replaces any partition in force by `groups` (complete, see completePartition). */
export async function applyPartition(plan: NetworkPlan, groups: PartitionGroups): Promise<void> {
  const blocked = blockedAddresses(plan, groups);
  await Promise.all(plan.machines.map((m) => nft(m.namespace, partitionRuleset(blocked.get(m.name) ?? []))));
}

/** Every machine reaches every other again. */
export async function healPartition(plan: NetworkPlan): Promise<void> {
  await Promise.all(plan.machines.map((m) => nft(m.namespace, 'flush ruleset\n')));
}
