import { describe, expect, it } from 'vitest';
import { applyCommand, currentState, type DesiredState, type FleetCommand } from '../src/unit/states.js';

describe('applyCommand (fleet states.md)', () => {
  const none = undefined;
  it.each<[FleetCommand, DesiredState | undefined, string]>([
    ['submit', none, 'set inactive'],
    ['submit', 'launched', 'noop launched'],
    ['load', none, 'set loaded'],
    ['load', 'inactive', 'set loaded'],
    ['load', 'loaded', 'noop loaded'],
    ['load', 'launched', 'noop launched'],
    ['start', none, 'set launched'],
    ['start', 'inactive', 'set launched'],
    ['start', 'loaded', 'set launched'],
    ['start', 'launched', 'noop launched'],
    ['stop', 'launched', 'set loaded'],
    ['stop', 'loaded', 'noop loaded'],
    ['stop', 'inactive', 'noop inactive'],
    ['stop', none, 'refused unit does not exist'],
    ['unload', 'launched', 'set inactive'],
    ['unload', 'loaded', 'set inactive'],
    ['unload', 'inactive', 'noop inactive'],
    ['unload', none, 'refused unit does not exist'],
    ['destroy', 'launched', 'set destroyed'],
    ['destroy', 'loaded', 'set destroyed'],
    ['destroy', 'inactive', 'set destroyed'],
    ['destroy', none, 'refused unit does not exist'],
  ])('%s from %s -> %s', (command, from, expected) => {
    const outcome = applyCommand(command, from);
    const text = outcome.kind === 'refused' ? `refused ${outcome.reason}` : `${outcome.kind} ${outcome.desired}`;
    expect(text).toBe(expected);
  });
});

describe('currentState (registry determineJobState)', () => {
  const m1 = 'a'.repeat(32);
  const m2 = 'b'.repeat(32);
  it.each([
    [{ reportedBy: new Set<string>() }, 'inactive'],
    [{ targetMachineId: m1, reportedBy: new Set<string>() }, 'inactive'],
    [{ targetMachineId: m1, reportedBy: new Set([m2]) }, 'inactive'],
    [{ targetMachineId: m1, reportedBy: new Set([m1]) }, 'loaded'],
    [{ targetMachineId: m1, reportedBy: new Set([m1]), launchedOn: m2 }, 'loaded'],
    [{ targetMachineId: m1, reportedBy: new Set([m1]), launchedOn: m1 }, 'launched'],
  ])('%o -> %s', (observed, expected) => {
    expect(currentState(observed)).toBe(expected);
  });
});
