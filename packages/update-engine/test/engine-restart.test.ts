// Restarting the engine between writing the slot and the reboot.
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { UpdateStatus } from '../src/core/update-status.js';
import { FakeOmahaServer } from '../src/testing/fake-omaha-server.js';
import { engineFor, type Machine, makeMachine, payloadFor } from './engine-helpers.js';

let server: FakeOmahaServer;
let machine: Machine;
beforeEach(async () => {
  server = await new FakeOmahaServer().start();
  machine = await makeMachine();
  server.offer = { version: '2.0.0', payload: payloadFor('2.0.0', 200_000) };
  const { engine } = engineFor(machine, server.omahaUrl);
  await engine.start({ schedule: false });
  expect((await engine.attemptUpdate().done).status).toBe(UpdateStatus.UPDATED_NEED_REBOOT);
});
afterEach(async () => {
  await server.stop();
  rmSync(machine.dir, { recursive: true, force: true });
});

it('a restart in the same boot keeps UPDATED_NEED_REBOOT, and scheduled checks only ping', async () => {
  const { engine, timers } = engineFor(machine, server.omahaUrl);
  expect(await engine.start()).toBe('waiting-for-reboot');
  expect(engine.getStatus()).toMatchObject({ status: UpdateStatus.UPDATED_NEED_REBOOT, newVersion: '2.0.0' });
  const before = server.requests.length;
  const heard = new Promise((resolve) => server.received.once('request', resolve));
  timers.fireNext();
  await heard;
  const req = server.requests[before]!;
  expect(req.apps[0]).toMatchObject({ ping: true, updateCheck: false });
  engine.stop();
  await engine.idle();
});

it('a pending update whose flags were never set is dropped on restart', async () => {
  await machine.bootControl.writeFlags(new Map([['B', { priority: 0, tries: 0, successful: false }]]));
  const { engine } = engineFor(machine, server.omahaUrl);
  expect(await engine.start({ schedule: false })).toBe('none');
  expect(engine.getStatus().status).toBe(UpdateStatus.IDLE);
  expect((await engine.getBootInfo()).pendingVersion).toBe('');
  // and the next attempt installs it again
  expect((await engine.attemptUpdate().done).status).toBe(UpdateStatus.UPDATED_NEED_REBOOT);
});
