/**
 * fleet.v1.Fleet over the registry. Journals are read where the unit runs: from the local
 * agent, or relayed from the fleetd of the unit's machine (its published API address).
 * Refusals are DomainErrors, mapped to statuses by grpc-kit's one table.
 */
import { DomainError, type ServiceBinding, serverStream, unary } from '@coreos-ts/grpc-kit';
import { fleetpb } from '@coreos-ts/proto';
import { credentials, type ServerWritableStream } from '@grpc/grpc-js';
import type { Agent } from '../agent/agent.js';
import type { Registry } from '../registry/registry.js';
import { machineToWire, page, stateFromWire, unitStateToWire, unitToWire } from './wire.js';

export interface FleetServiceDeps {
  readonly registry: Registry;
  /** The local agent, for journals of units running here. */
  readonly localAgent: () => Agent | undefined;
  /** Most lines one journal call returns before following. */
  readonly journalLinesMax: number;
}

export function createFleetService(deps: FleetServiceDeps): ServiceBinding {
  const { registry } = deps;
  const implementation: fleetpb.FleetServer = {
    submitUnit: unary(async (r: fleetpb.SubmitUnitRequest) => {
      const desired = stateFromWire(r.desiredState, 'inactive');
      const unit = await registry.submitUnit(r.name, r.unitFile, desired, r.replace);
      return fleetpb.SubmitUnitResponse.fromPartial({ unit: unitToWire(unit) });
    }),
    setUnitDesiredState: unary(async (r: fleetpb.SetUnitDesiredStateRequest) => {
      const unit = await registry.setDesiredState(r.name, stateFromWire(r.desiredState));
      return fleetpb.SetUnitDesiredStateResponse.fromPartial({ unit: unitToWire(unit) });
    }),
    destroyUnit: unary(async (r: fleetpb.DestroyUnitRequest) => {
      await registry.destroyUnit(r.name);
      return fleetpb.DestroyUnitResponse.fromPartial({});
    }),
    getUnit: unary(async (r: fleetpb.GetUnitRequest) =>
      fleetpb.GetUnitResponse.fromPartial({ unit: unitToWire(await registry.getUnit(r.name)) }),
    ),
    listUnits: unary(async (r: fleetpb.ListUnitsRequest) => {
      const p = page(await registry.listUnits(), (u) => u.name, r.pageSize, r.pageToken);
      return fleetpb.ListUnitsResponse.fromPartial({ units: p.items.map(unitToWire), nextPageToken: p.next });
    }),
    listUnitStates: unary(async (r: fleetpb.ListUnitStatesRequest) => {
      const filter = {
        ...(r.machineId ? { machineId: r.machineId } : {}),
        ...(r.unitName ? { unitName: r.unitName } : {}),
      };
      const states = await registry.reportedStates(filter);
      const p = page(states, (s) => `${s.name}\u0000${s.machineId}`, r.pageSize, r.pageToken);
      return fleetpb.ListUnitStatesResponse.fromPartial({
        states: p.items.map(unitStateToWire),
        nextPageToken: p.next,
      });
    }),
    listMachines: unary(async (r: fleetpb.ListMachinesRequest) => {
      const p = page(await registry.listMachines(), (m) => m.id, r.pageSize, r.pageToken);
      return fleetpb.ListMachinesResponse.fromPartial({ machines: p.items.map(machineToWire), nextPageToken: p.next });
    }),
    setMachineMetadata: unary(async (r: fleetpb.SetMachineMetadataRequest) => {
      const machine = await registry.setMetadata(r.machineId, r.set, r.delete);
      return fleetpb.SetMachineMetadataResponse.fromPartial({ machine: machineToWire(machine) });
    }),
    drainMachine: unary(async (r: fleetpb.DrainMachineRequest) => {
      const machine = await registry.setDrained(r.machineId, true);
      return fleetpb.DrainMachineResponse.fromPartial({ machine: machineToWire(machine) });
    }),
    undrainMachine: unary(async (r: fleetpb.UndrainMachineRequest) => {
      const machine = await registry.setDrained(r.machineId, false);
      return fleetpb.UndrainMachineResponse.fromPartial({ machine: machineToWire(machine) });
    }),
    journal: serverStream((r: fleetpb.JournalRequest, call) => journal(deps, r, call)),
  };
  return { name: 'fleet.v1.Fleet', definition: fleetpb.FleetService, implementation };
}

async function journal(
  deps: FleetServiceDeps,
  r: fleetpb.JournalRequest,
  call: ServerWritableStream<fleetpb.JournalRequest, fleetpb.JournalEntry>,
): Promise<void> {
  const unit = await deps.registry.getUnit(r.unitName);
  const lines = Math.min(r.lines === 0 ? 10 : r.lines, deps.journalLinesMax);
  const abort = new AbortController();
  call.on('cancelled', () => abort.abort());
  call.on('close', () => abort.abort());
  const local = deps.localAgent();
  let machineId = unit.machineId;
  if (machineId === '' && local?.hasUnit(r.unitName)) machineId = local.machineId;
  if (machineId === '') {
    const reporter = (await deps.registry.reportedStates({ unitName: r.unitName }))[0];
    machineId = reporter?.machineId ?? '';
  }
  if (machineId === '') throw new DomainError('failed-precondition', `unit ${r.unitName} does not run on any machine`);
  if (local && machineId === local.machineId) {
    for await (const line of local.logs(r.unitName, { lines, follow: r.follow, signal: abort.signal })) {
      if (abort.signal.aborted) break;
      call.write(fleetpb.JournalEntry.fromPartial({ unitName: r.unitName, machineId, line }));
    }
    return;
  }
  const machine = (await deps.registry.listMachines()).find((m) => m.id === machineId);
  if (!machine?.apiAddress)
    throw new DomainError('unavailable', `machine ${machineId} of unit ${r.unitName} is not reachable`);
  await relayJournal(machine.apiAddress, { ...r, lines }, call, abort.signal);
}

/** Reads the journal from the fleetd of the unit's machine and passes its entries on. */
async function relayJournal(
  address: string,
  r: fleetpb.JournalRequest,
  call: ServerWritableStream<fleetpb.JournalRequest, fleetpb.JournalEntry>,
  signal: AbortSignal,
): Promise<void> {
  const client = new fleetpb.FleetClient(address, credentials.createInsecure());
  try {
    const stream = client.journal(r);
    signal.addEventListener('abort', () => stream.cancel(), { once: true });
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (entry: fleetpb.JournalEntry) => call.write(entry));
      stream.on('end', () => resolve());
      stream.on('error', (err: Error & { code?: number }) => {
        if (signal.aborted) resolve();
        else reject(new DomainError('unavailable', `journal from ${address}: ${err.message}`));
      });
    });
  } finally {
    client.close();
  }
}
