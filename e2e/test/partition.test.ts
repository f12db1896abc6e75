// The pure parts of netns mode: partition groups (the CLI's form, validation), the nft rules each
// machine's namespace loads, the plan's names and addresses, and the subnet overlap check.
import { describe, expect, it } from 'vitest';
import { parsePrefix, prefixesOverlap } from '../src/ipv4-cidr.js';
import { networkPlan, networkResources } from '../src/netns.js';
import { blockedAddresses, completePartition, parsePartition, partitionRuleset } from '../src/partition.js';

const MACHINES = ['m1', 'm2', 'm3', 'm4', 'm5'];

describe('partition groups', () => {
  it('parses the CLI form, with or without spaces', () => {
    expect(parsePartition('m1,m2 / m3,m4,m5')).toEqual([
      ['m1', 'm2'],
      ['m3', 'm4', 'm5'],
    ]);
    expect(parsePartition('m1/m2,m3')).toEqual([['m1'], ['m2', 'm3']]);
    expect(() => parsePartition('m1 / ')).toThrow(/empty group/);
  });

  it('cuts a single group off from the rest and requires every machine otherwise', () => {
    expect(completePartition([['m3']], MACHINES)).toEqual([['m3'], ['m1', 'm2', 'm4', 'm5']]);
    expect(
      completePartition(
        [
          ['m1', 'm2'],
          ['m3', 'm4', 'm5'],
        ],
        MACHINES,
      ),
    ).toHaveLength(2);
    expect(() => completePartition([['m1'], ['m2']], MACHINES)).toThrow(/m3, m4, m5 is in none/);
    expect(() => completePartition([['m1'], ['m1', 'm2', 'm3', 'm4', 'm5']], MACHINES)).toThrow(/m1 named in more/);
    expect(() => completePartition([['m9']], MACHINES)).toThrow(/no machine m9/);
    expect(() => completePartition([MACHINES], MACHINES)).toThrow(/at least two groups/);
  });
});

describe('partition rules', () => {
  const plan = networkPlan('a1b2c3', '10.77.3', MACHINES);

  it('blocks, for each machine, exactly the addresses of the other groups', () => {
    const blocked = blockedAddresses(plan, [
      ['m1', 'm2'],
      ['m3', 'm4', 'm5'],
    ]);
    expect(blocked.get('m1')).toEqual(['10.77.3.13', '10.77.3.14', '10.77.3.15']);
    expect(blocked.get('m4')).toEqual(['10.77.3.11', '10.77.3.12']);
  });

  it('replaces the namespace ruleset with one input drop of those sources', () => {
    const rules = partitionRuleset(['10.77.3.13', '10.77.3.14']);
    expect(rules.startsWith('flush ruleset\n')).toBe(true);
    expect(rules).toContain('type filter hook input priority 0; policy accept;');
    expect(rules).toContain('ip saddr { 10.77.3.13, 10.77.3.14 } drop');
    expect(rules).not.toContain('hook output');
  });
});

describe('network plan', () => {
  it('names fit Linux interface names and addresses follow the machines', () => {
    const plan = networkPlan('a1b2c3', '10.77.3', ['m1', 'm2']);
    expect(plan).toMatchObject({ subnet: '10.77.3.0/24', hostAddress: '10.77.3.1', hostLink: 'cts-a1b2c3' });
    expect(plan.hostLink.length).toBeLessThanOrEqual(15);
    expect(plan.machines).toEqual([
      { name: 'm1', namespace: 'cts-a1b2c3-m1', address: '10.77.3.11' },
      { name: 'm2', namespace: 'cts-a1b2c3-m2', address: '10.77.3.12' },
    ]);
    expect(networkResources(plan)).toEqual({
      links: ['cts-a1b2c3'],
      namespaces: ['cts-a1b2c3-m1', 'cts-a1b2c3-m2', 'cts-a1b2c3-sw'],
    });
  });

  it('finds overlapping prefixes (routes the subnet must avoid)', () => {
    const subnet = parsePrefix('10.77.3.0/24');
    if (subnet === undefined) throw new Error('unparsed');
    const overlaps = (route: string) => {
      const prefix = parsePrefix(route);
      return prefix !== undefined && prefixesOverlap(prefix, subnet);
    };
    expect(overlaps('10.0.0.0/8')).toBe(true);
    expect(overlaps('10.77.3.200')).toBe(true);
    expect(overlaps('10.77.3.128/25')).toBe(true);
    expect(overlaps('10.77.4.0/24')).toBe(false);
    expect(overlaps('192.168.0.0/16')).toBe(false);
    expect(parsePrefix('default')).toBeUndefined();
    expect(parsePrefix('10.1.2.300/24')).toBeUndefined();
  });
});
