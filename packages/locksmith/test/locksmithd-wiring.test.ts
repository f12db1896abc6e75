import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningServer, silentLogger, startServer, unary } from '@coreos-ts/grpc-kit';
import { fleetpb } from '@coreos-ts/proto';
import { credentials, ServerCredentials } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { defaultDaemonConfig } from '../src/daemon/daemon-config.js';
import { fleetDrainer } from '../src/daemon/fleet-drain.js';
import { type Locksmithd, startLocksmithd } from '../src/daemon/locksmithd.js';
import { runRebootCommand } from '../src/daemon/reboot-command.js';
import { MemorySemaphoreStore } from '../src/testing/index.js';
import { DaemonSteps, isEvent } from './daemon-steps.js';
import { type FakeUpdateEngine, startFakeUpdateEngine } from './fake-update-engine.js';

/**
 * fleet's gRPC service, with only DrainMachine, UndrainMachine and ListUnitStates: it records the
 * calls; after a drain it reports `web.service` still active on the machine for 3 more reads.
 */
async function startFakeFleet(calls: string[]): Promise<RunningServer> {
  const machine = (machineId: string) => fleetpb.Machine.fromPartial({ id: machineId });
  let readsUntilStopped = 0;
  return startServer({
    address: '127.0.0.1:0',
    credentials: ServerCredentials.createInsecure(),
    log: silentLogger,
    services: [
      {
        name: 'fleet.v1.Fleet',
        definition: fleetpb.FleetService,
        implementation: {
          drainMachine: unary((request: fleetpb.DrainMachineRequest) => {
            calls.push(`drain ${request.machineId}`);
            readsUntilStopped = 3;
            return { machine: machine(request.machineId) };
          }),
          listUnitStates: unary((request: fleetpb.ListUnitStatesRequest) => {
            const stopped = readsUntilStopped === 0;
            readsUntilStopped = Math.max(0, readsUntilStopped - 1);
            calls.push(`states ${request.machineId}: ${stopped ? 'none' : 'web.service'}`);
            const web = { name: 'web.service', machineId: request.machineId, activeState: 'active' };
            return { states: stopped ? [] : [fleetpb.UnitRuntimeState.fromPartial(web)], nextPageToken: '' };
          }),
          undrainMachine: unary((request: fleetpb.UndrainMachineRequest) => {
            calls.push(`undrain ${request.machineId}`);
            return { machine: machine(request.machineId) };
          }),
        },
      },
    ],
  });
}

describe('locksmithd wiring: fleet drain, the reboot command', () => {
  let dir: string;
  let fleet: RunningServer;
  let ue: FakeUpdateEngine;
  const fleetCalls: string[] = [];
  let running: Locksmithd[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'locksmithd-wiring-'));
    fleet = await startFakeFleet(fleetCalls);
  });

  afterEach(async () => {
    for (const d of running) await d.stop();
    running = [];
    await ue?.stop();
    fleetCalls.length = 0;
  });

  afterAll(async () => {
    await fleet?.stop(100);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function start(store: MemorySemaphoreStore, steps: DaemonSteps, rebootCommand: string): Promise<Locksmithd> {
    const d = await startLocksmithd({
      store,
      machineId: 'm1',
      daemon: { ...defaultDaemonConfig(), strategy: 'etcd-lock', drain: true },
      updateEngine: { address: ue.address, credentials: credentials.createInsecure() },
      fleet: { address: `127.0.0.1:${fleet.port}`, credentials: credentials.createInsecure(), drainPollMs: 20 },
      rebootCommand,
      onStep: steps.onStep,
    });
    running.push(d);
    return d;
  }

  it('undrains on boot, drains and waits for its units to stop before the reboot command, undrains after the next boot', async () => {
    const store = new MemorySemaphoreStore();
    const marker = join(dir, 'rebooted');
    ue = await startFakeUpdateEngine('UPDATE_STATUS_UPDATED_NEED_REBOOT');
    const steps = new DaemonSteps();
    const d1 = await start(store, steps, `echo rebooted > ${marker}`);
    await steps.next(isEvent('reboot-finished'));
    expect(readFileSync(marker, 'utf8')).toBe('rebooted\n');
    const drained = ['drain m1', ...Array(3).fill('states m1: web.service'), 'states m1: none'];
    expect(fleetCalls).toEqual(['undrain m1', ...drained]);
    expect((await new SemaphoreClient({ store }).status()).holders).toEqual(['m1']);

    await d1.stop();
    ue.setStatus('UPDATE_STATUS_IDLE');
    const steps2 = new DaemonSteps();
    await start(store, steps2, 'false');
    await steps2.next(isEvent('unlocked'));
    expect(fleetCalls).toEqual(['undrain m1', ...drained, 'undrain m1']);
    expect(await new SemaphoreClient({ store }).status()).toEqual({ semaphore: 1, max: 1, holders: [] });
  });

  it('a reboot command that fails is not retried: the machine is undrained and its slot given back', async () => {
    const store = new MemorySemaphoreStore();
    ue = await startFakeUpdateEngine('UPDATE_STATUS_UPDATED_NEED_REBOOT');
    const steps = new DaemonSteps();
    await start(store, steps, 'exit 3');
    const finished = await steps.next(isEvent('reboot-finished'));
    expect(finished.event).toEqual({
      type: 'reboot-finished',
      ok: false,
      reason: 'reboot command exited with status 3',
    });
    await steps.next(isEvent('unlocked'), steps.seen.indexOf(finished));
    expect(fleetCalls.filter((c) => !c.startsWith('states'))).toEqual(['undrain m1', 'drain m1', 'undrain m1']);
    expect(await new SemaphoreClient({ store }).status()).toEqual({ semaphore: 1, max: 1, holders: [] });
    expect(steps.count(isEvent('reboot-finished'))).toBe(1);
  });

  it('a drain whose units do not stop in time fails, naming them', async () => {
    const drainer = fleetDrainer({
      address: `127.0.0.1:${fleet.port}`,
      credentials: credentials.createInsecure(),
      machineId: 'm2',
      drainTimeoutMs: 30,
      drainPollMs: 20,
    });
    try {
      await expect(drainer.drain()).rejects.toThrow('fleet drain: units still running here after 30 ms: web.service');
      expect(fleetCalls.slice(0, 3)).toEqual(['drain m2', 'states m2: web.service', 'states m2: web.service']);
    } finally {
      drainer.close();
    }
  });

  it('runRebootCommand: resolves on exit 0, names the status or signal otherwise', async () => {
    await expect(runRebootCommand('true')).resolves.toBeUndefined();
    await expect(runRebootCommand('exit 7')).rejects.toThrow('reboot command exited with status 7');
    await expect(runRebootCommand('kill -TERM $$')).rejects.toThrow('reboot command exited with SIGTERM');
  });

  it('drain without fleet is a configuration error', async () => {
    await expect(
      startLocksmithd({
        store: new MemorySemaphoreStore(),
        machineId: 'm1',
        daemon: { ...defaultDaemonConfig(), strategy: 'etcd-lock', drain: true },
      }),
    ).rejects.toThrow(/drain needs fleet/);
  });
});
