import { fleetpb } from '@coreos-ts/proto';
import { describe, expect, it } from 'vitest';

describe('fleet.v1 wire contract', () => {
  it('defines the Fleet service with every method', () => {
    expect(Object.values(fleetpb.FleetService).map((m) => m.path)).toEqual([
      '/fleet.v1.Fleet/SubmitUnit',
      '/fleet.v1.Fleet/SetUnitDesiredState',
      '/fleet.v1.Fleet/DestroyUnit',
      '/fleet.v1.Fleet/GetUnit',
      '/fleet.v1.Fleet/ListUnits',
      '/fleet.v1.Fleet/ListUnitStates',
      '/fleet.v1.Fleet/ListMachines',
      '/fleet.v1.Fleet/SetMachineMetadata',
      '/fleet.v1.Fleet/DrainMachine',
      '/fleet.v1.Fleet/UndrainMachine',
      '/fleet.v1.Fleet/Journal',
    ]);
    expect(fleetpb.FleetService.journal.responseStream).toBe(true);
  });

  it('round-trips a unit through the codec', () => {
    const unit = fleetpb.Unit.fromPartial({
      name: 'web@1.service',
      options: [{ section: 'X-Fleet', name: 'Conflicts', value: 'web@*.service' }],
      desiredState: fleetpb.UnitState.UNIT_STATE_LAUNCHED,
      machineId: 'a'.repeat(32),
    });
    const back = fleetpb.Unit.decode(fleetpb.Unit.encode(unit).finish());
    expect(back).toEqual(unit);
    expect(back.currentState).toBe(fleetpb.UnitState.UNIT_STATE_UNSPECIFIED);
  });
});
