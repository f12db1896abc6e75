import { describe, expect, it } from 'vitest';
import { parseUnitFile } from '../src/unit/unit-file.js';
import { parseXFleet, XFleetError } from '../src/unit/x-fleet.js';

const ID = '0123456789abcdef0123456789abcdef';

function xfleet(name: string, ...lines: string[]) {
  return parseXFleet(name, parseUnitFile(['[Service]', 'ExecStart=/bin/true', '[X-Fleet]', ...lines].join('\n')));
}

function refusal(name: string, ...lines: string[]): XFleetError {
  try {
    xfleet(name, ...lines);
  } catch (err) {
    if (err instanceof XFleetError) return err;
    throw err;
  }
  throw new Error('expected an XFleetError');
}

describe('[X-Fleet]', () => {
  it('is empty when absent', () => {
    const r = xfleet('a.service');
    expect(r).toMatchObject({ machineOf: [], conflicts: [], replaces: [], global: false });
    expect(r.machineId).toBeUndefined();
    expect(r.machineMetadata.size).toBe(0);
  });

  it('reads MachineID (full or short, first wins)', () => {
    expect(xfleet('a.service', `MachineID=${ID}`, 'MachineID=deadbeef').machineId).toBe(ID);
    expect(xfleet('a.service', 'MachineID=01234567').machineId).toBe('01234567');
    expect(xfleet('a.service', `X-ConditionMachineID=${ID}`).machineId).toBe(ID);
    const bad = refusal('a.service', 'MachineID=node-1');
    expect(bad.code).toBe('invalid-value');
    expect(bad.line).toBe(4);
  });

  it('reads MachineMetadata: same key OR, different keys AND, bad pairs ignored', () => {
    const r = xfleet(
      'a.service',
      'MachineMetadata="region=us-east" "disk=ssd"',
      'MachineMetadata=region=us-west',
      'MachineMetadata=broken novalue= =nokey a=b=c',
    );
    expect([...r.machineMetadata].map(([k, v]) => [k, [...v]])).toEqual([
      ['region', ['us-east', 'us-west']],
      ['disk', ['ssd']],
    ]);
  });

  it('reads Conflicts (several per line, repeated), MachineOf, Replaces, with specifiers', () => {
    const r = xfleet(
      'web@2.service',
      'Conflicts=%p@*.service db.service',
      'Conflicts=cache.service',
      'MachineOf=%i-log.service',
    );
    expect(r.conflicts).toEqual(['web@*.service', 'db.service', 'cache.service']);
    expect(r.machineOf).toEqual(['2-log.service']);
    expect(xfleet('new.service', 'Replaces=old*.service').replaces).toEqual(['old*.service']);
  });

  it.each([
    ['true', true],
    ['YES', true],
    ['1', true],
    ['on', true],
    ['t', true],
    ['false', false],
    ['2', false],
  ])('Global=%s -> %s', (value, expected) => {
    expect(xfleet('a.service', `Global=${value}`).global).toBe(expected);
  });

  it('Global: the last value wins; an empty assignment resets', () => {
    expect(xfleet('a.service', 'Global=true', 'Global=false').global).toBe(false);
    expect(xfleet('a.service', 'Global=true', 'Global=').global).toBe(false);
  });

  it("refuses unknown keys with fleet's message and the line", () => {
    const err = refusal('a.service', 'Conflicts=b.service', 'MachineRegion=eu');
    expect(err.code).toBe('unrecognized-requirement');
    expect(err.message).toBe('line 5: unrecognized requirement in [X-Fleet] section: "MachineRegion"');
  });

  it.each([
    [['MachineOf=db.service', 'Conflicts=db*'], 'unresolvable requirements: peer "db.service" matches conflict "db*"'],
    [[`MachineID=${ID}`, 'MachineOf=b.service'], 'MachineID cannot be used with Peers'],
    [[`MachineID=${ID}`, 'Conflicts=b.service'], 'MachineID cannot be used with Conflicts'],
    [[`MachineID=${ID}`, 'Global=true'], 'MachineID cannot be used with Global'],
    [[`MachineID=${ID}`, 'Replaces=b.service'], 'MachineID cannot be used with Replaces'],
    [['Global=true', 'MachineOf=b.service'], 'Global cannot be used with Peers'],
    [['Global=true', 'Conflicts=b.service'], 'Global cannot be used with Conflicts'],
    [['Global=true', 'Replaces=b.service'], 'Global cannot be used with Replaces'],
    [['Conflicts=b.service', 'Replaces=c.service'], 'Conflicts cannot be used with Replaces'],
  ])('refuses %j: %s', (lines, message) => {
    const err = refusal('a.service', ...lines);
    expect(err.code).toBe('invalid-combination');
    expect(err.message).toBe(message);
  });

  it('accepts Global with MachineMetadata', () => {
    const r = xfleet('a.service', 'Global=true', 'MachineMetadata=role=edge');
    expect(r.global).toBe(true);
    expect(r.machineMetadata.get('role')?.has('edge')).toBe(true);
  });

  it('reports a broken quote with its line', () => {
    const err = refusal('a.service', 'MachineMetadata="region=x');
    expect(err.code).toBe('invalid-value');
    expect(err.line).toBe(4);
  });
});
