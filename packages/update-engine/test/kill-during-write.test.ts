// kill -9 of update-engine in the middle of the slot write: the active slot and the flags are
// untouched, the half-written slot does not look valid, the next start tells the server (14), and
// the next attempt starts cleanly.
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { readSlotVersion } from '../src/boot/boot-control.js';
import { UpdateStatus } from '../src/core/update-status.js';
import { ErrorCode } from '../src/omaha/omaha-codes.js';
import { cgptShowAttributes, sgdiskVerify } from '../src/testing/disk-image.js';
import { FakeOmahaServer } from '../src/testing/fake-omaha-server.js';
import { installPayloadInSlot } from '../src/testing/slot-image.js';
import { engineFor, keys, type Machine, makeMachine, payloadFor, slotHash } from './engine-helpers.js';

let machine: Machine;
let server: FakeOmahaServer;
beforeEach(async () => {
  machine = await makeMachine(4);
  server = await new FakeOmahaServer().start();
});
afterEach(async () => {
  await server.stop();
  rmSync(machine.dir, { recursive: true, force: true });
});

it('kill -9 during the slot write: slot A and flags untouched, server hears 14, next attempt succeeds', async () => {
  // slot B holds an older valid image, so we can see the torn write invalidate it
  await installPayloadInSlot(machine.bootControl, 'B', payloadFor('1.5.0', 1024 * 1024));
  expect(await readSlotVersion(await machine.bootControl.device('B'))).toBe('1.5.0');
  const v2 = payloadFor('2.0.0', 3 * 1024 * 1024);
  server.offer = { version: '2.0.0', payload: v2 };
  const pub = join(machine.dir, 'key.pub.pem');
  writeFileSync(pub, keys.publicKey.export({ type: 'spki', format: 'pem' }));

  const beforeA = await slotHash(machine.bootControl, 'A');
  const flags = [cgptShowAttributes(machine.disk, 3), cgptShowAttributes(machine.disk, 4)];
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      fileURLToPath(new URL('./fixtures/engine-child.ts', import.meta.url)),
      machine.disk,
      machine.stateDir,
      server.omahaUrl,
      pub,
    ],
    { cwd: fileURLToPath(new URL('..', import.meta.url)), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_c, sig) => resolve(sig)));
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`child did not reach the slot write: ${stderr}`)), 30_000);
    child.stdout.on('data', (d: Buffer) => {
      clearTimeout(timer);
      resolve(d.toString());
    });
    void exited.then(() => reject(new Error(`child exited early: ${stderr}`)));
  });
  expect(line).toMatch(/^writing \d+/);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');

  expect(await slotHash(machine.bootControl, 'A')).toBe(beforeA);
  expect([cgptShowAttributes(machine.disk, 3), cgptShowAttributes(machine.disk, 4)]).toEqual(flags);
  expect(await readSlotVersion(await machine.bootControl.device('B'))).toBeNull();
  sgdiskVerify(machine.disk);
  expect(server.events()).not.toContainEqual(expect.objectContaining({ result: 0 }));

  // the next start reports the interrupted attempt; the next check starts cleanly and succeeds
  const { engine } = engineFor(machine, server.omahaUrl);
  await engine.start({ schedule: false });
  expect(engine.getStatus()).toMatchObject({ status: UpdateStatus.IDLE, lastErrorCode: ErrorCode.DownloadWriteError });
  const final = await engine.attemptUpdate().done;
  expect(final.status).toBe(UpdateStatus.UPDATED_NEED_REBOOT);
  expect(server.events()).toContainEqual({ type: 3, result: 0, errorCode: ErrorCode.DownloadWriteError });
  expect(await readSlotVersion(await machine.bootControl.device('B'))).toBe('2.0.0');
  expect(await slotHash(machine.bootControl, 'A')).toBe(beforeA);
  expect(cgptShowAttributes(machine.disk, 4)).toEqual({ priority: 2, tries: 1, successful: 0 });
});
