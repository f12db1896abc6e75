import { describe, expect, it } from 'vitest';
import { agentActions, agentTargets, type KnownUnit } from '../src/agent/agent-targets.js';
import type { UnitState } from '../src/unit/states.js';
import { parseUnitFile } from '../src/unit/unit-file.js';
import { parseXFleet } from '../src/unit/x-fleet.js';
import { machine } from './helpers.js';

function known(name: string, xFleet: string[] = [], desired: UnitState = 'launched', hash = 'h1'): KnownUnit {
  const file = parseUnitFile(`[Service]\nExecStart=/bin/true\n[X-Fleet]\n${xFleet.join('\n')}\n`);
  return { name, hash, desired, requirements: parseXFleet(name, file) };
}

function map(...units: KnownUnit[]): Map<string, KnownUnit> {
  return new Map(units.map((u) => [u.name, u]));
}

describe('agent targets and actions (pure)', () => {
  const me = machine('a', { metadata: { disk: 'ssd' } });

  it('targets scheduled units and matching global units only', () => {
    const units = map(
      known('mine.service'),
      known('other.service'),
      known('loaded.service', [], 'loaded'),
      known('ssd.service', ['Global=true', 'MachineMetadata=disk=ssd']),
      known('hdd.service', ['Global=true', 'MachineMetadata=disk=hdd']),
    );
    const targets = agentTargets(me, new Set(['mine.service', 'loaded.service', 'gone.service']), units);
    expect([...targets.values()].map((t) => [t.name, t.launch, t.global])).toEqual([
      ['mine.service', true, false],
      ['loaded.service', false, false],
      ['ssd.service', true, true],
    ]);
  });

  it('a drained machine runs no global units', () => {
    const drained = machine('a', { metadata: { disk: 'ssd' }, drained: true });
    const targets = agentTargets(drained, new Set(), map(known('ssd.service', ['Global=true'])));
    expect(targets.size).toBe(0);
  });

  it('adopts what already runs, starts what does not, restarts on a new file, stops what left', () => {
    const targets = agentTargets(
      me,
      new Set(['adopt.service', 'start.service', 'new.service']),
      map(known('adopt.service'), known('start.service'), known('new.service', [], 'launched', 'h2')),
    );
    const launched = new Map([
      ['new.service', 'h1'],
      ['moved.service', 'h1'],
    ]);
    const running = new Set(['adopt.service', 'new.service', 'moved.service', 'stray.service']);
    expect(agentActions(targets, launched, running)).toEqual([
      { kind: 'adopt', name: 'adopt.service', hash: 'h1' },
      { kind: 'restart', name: 'new.service', hash: 'h2' },
      { kind: 'start', name: 'start.service', hash: 'h1' },
      { kind: 'stop', name: 'moved.service', reason: 'unit is not scheduled here' },
      { kind: 'stop', name: 'stray.service', reason: 'unit is not scheduled here' },
    ]);
  });

  it('stops a unit whose desired state drops to loaded, and leaves a converged machine alone', () => {
    const targets = agentTargets(me, new Set(['x.service']), map(known('x.service', [], 'loaded')));
    expect(agentActions(targets, new Map([['x.service', 'h1']]), new Set(['x.service']))).toEqual([
      { kind: 'stop', name: 'x.service', reason: 'desired state is not launched' },
    ]);
    const running = agentTargets(me, new Set(['y.service']), map(known('y.service')));
    expect(agentActions(running, new Map([['y.service', 'h1']]), new Set(['y.service']))).toEqual([]);
  });
});
