// The engine against a fault-injecting Omaha server, on a real GPT disk image.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSlotVersion } from '../src/boot/boot-control.js';
import { FileBootControl } from '../src/boot/file-boot-control.js';
import { UpdateStatus } from '../src/core/update-status.js';
import { ERROR_FLAG_RESUMED, ErrorCode } from '../src/omaha/omaha-codes.js';
import { cgptShowAttributes, sgdiskVerify } from '../src/testing/disk-image.js';
import { FakeOmahaServer } from '../src/testing/fake-omaha-server.js';
import { engineFor, type Machine, makeMachine, otherKeys, payloadFor, slotHash } from './engine-helpers.js';

let server: FakeOmahaServer;
let machine: Machine;
const v2 = payloadFor('2.0.0', 300_000);

beforeEach(async () => {
  server = await new FakeOmahaServer().start();
  machine = await makeMachine();
});
afterEach(async () => {
  await server.stop();
  rmSync(machine.dir, { recursive: true, force: true });
});

async function untouched<T>(run: () => Promise<T>): Promise<T> {
  const beforeA = await slotHash(machine.bootControl, 'A');
  const flags = [cgptShowAttributes(machine.disk, 3), cgptShowAttributes(machine.disk, 4)];
  const result = await run();
  expect(await slotHash(machine.bootControl, 'A')).toBe(beforeA);
  expect([cgptShowAttributes(machine.disk, 3), cgptShowAttributes(machine.disk, 4)]).toEqual(flags);
  expect(await readSlotVersion(await machine.bootControl.device('B'))).toBeNull();
  sgdiskVerify(machine.disk);
  return result;
}

describe('update-engine attempt', () => {
  it('checks, downloads, verifies, writes slot B and sets it to boot next', async () => {
    server.offer = { version: '2.0.0', payload: v2 };
    const { engine } = engineFor(machine, server.omahaUrl);
    expect(await engine.start({ schedule: false })).toBe('none');
    expect(engine.getRunningVersion()).toBe('1.0.0');
    const seen: UpdateStatus[] = [];
    engine.statusEvents.on('status', (s) => {
      if (seen.at(-1) !== s.status) seen.push(s.status);
    });
    const beforeA = await slotHash(machine.bootControl, 'A');
    const { started, done } = engine.attemptUpdate();
    expect(started).toBe(true);
    const final = await done;
    expect(final.status).toBe(UpdateStatus.UPDATED_NEED_REBOOT);
    expect(seen).toEqual([
      UpdateStatus.CHECKING_FOR_UPDATE,
      UpdateStatus.UPDATE_AVAILABLE,
      UpdateStatus.DOWNLOADING,
      UpdateStatus.VERIFYING,
      UpdateStatus.FINALIZING,
      UpdateStatus.UPDATED_NEED_REBOOT,
    ]);
    expect(cgptShowAttributes(machine.disk, 4)).toEqual({ priority: 2, tries: 1, successful: 0 });
    expect(cgptShowAttributes(machine.disk, 3)).toEqual({ priority: 1, tries: 0, successful: 1 });
    sgdiskVerify(machine.disk);
    expect(await slotHash(machine.bootControl, 'A')).toBe(beforeA);
    const info = await engine.getBootInfo();
    expect(info.slots.map((s) => [s.name, s.version, s.booted])).toEqual([
      ['A', '1.0.0', true],
      ['B', '2.0.0', false],
    ]);
    expect(server.events().map((e) => [e.type, e.result])).toEqual([
      [13, 1],
      [14, 1],
      [3, 1],
    ]);
    // a second attempt is refused while waiting for the reboot
    expect(engine.attemptUpdate().started).toBe(false);
    expect(engine.resetStatus().ok).toBe(true);
    expect(engine.getStatus().status).toBe(UpdateStatus.IDLE);
  });

  it('corrupted payload (hash mismatch): slot and flags untouched, server hears 10', async () => {
    const corrupt = Buffer.from(v2);
    corrupt[5000] = (corrupt[5000] ?? 0) ^ 0xff;
    server.offer = {
      version: '2.0.0',
      payload: corrupt,
      sha256Base64: createHash('sha256').update(v2).digest('base64'),
    };
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const final = await untouched(() => engine.attemptUpdate().done);
    expect(final).toMatchObject({ status: UpdateStatus.IDLE, lastErrorCode: ErrorCode.PayloadHashMismatchError });
    expect(server.events().at(-1)).toEqual({ type: 3, result: 0, errorCode: 10 });
  });

  it('bad signature never reaches the slot: server hears 18', async () => {
    server.offer = { version: '2.0.0', payload: payloadFor('2.0.0', 300_000, otherKeys.privateKey) };
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const beforeB = await slotHash(machine.bootControl, 'B');
    const final = await untouched(() => engine.attemptUpdate().done);
    expect(final.lastErrorCode).toBe(ErrorCode.DownloadPayloadPubKeyVerificationError);
    expect(await slotHash(machine.bootControl, 'B')).toBe(beforeB);
    expect(server.events().at(-1)).toEqual({ type: 3, result: 0, errorCode: 18 });
  });

  it('wrong size: announced smaller or larger than the payload gives 11', async () => {
    server.offer = { version: '2.0.0', payload: v2, sizeBytes: v2.length - 100 };
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    expect((await untouched(() => engine.attemptUpdate().done)).lastErrorCode & ~ERROR_FLAG_RESUMED).toBe(11);
    server.offer = { version: '2.0.0', payload: v2, sizeBytes: v2.length + 100 };
    expect((await untouched(() => engine.attemptUpdate().done)).lastErrorCode & ~ERROR_FLAG_RESUMED).toBe(11);
    expect(
      server
        .events()
        .filter((e) => e.result === 0)
        .map((e) => (e.errorCode ?? 0) & ~ERROR_FLAG_RESUMED),
    ).toEqual([11, 11]);
  });

  it('truncated download is resumed with a Range request', async () => {
    server.offer = { version: '2.0.0', payload: v2 };
    server.truncateNext = 1;
    server.truncateAtBytes = 100_000;
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const final = await engine.attemptUpdate().done;
    expect(final.status).toBe(UpdateStatus.UPDATED_NEED_REBOOT);
    expect(server.downloads[0]?.range).toBeUndefined();
    const resumedFrom = Number(/bytes=(\d+)-/.exec(server.downloads[1]?.range ?? '')?.[1]);
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(100_000);
    expect(await readSlotVersion(await machine.bootControl.device('B'))).toBe('2.0.0');
  });

  it('malformed Omaha XML: status says 31 and the server hears it', async () => {
    server.checkFault = 'malformed';
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const final = await untouched(() => engine.attemptUpdate().done);
    expect(final).toMatchObject({ status: UpdateStatus.IDLE, lastErrorCode: ErrorCode.OmahaRequestXMLParseError });
    // the error event could not ride on the malformed exchange; it is queued for the next check
    server.checkFault = null;
    await engine.attemptUpdate().done;
    expect(server.events()).toContainEqual({ type: 3, result: 0, errorCode: 31 });
  });

  it('server down: exponential back-off, capped, one request per scheduled check (no busy loop)', async () => {
    server.checkFault = 503;
    const { engine, timers } = engineFor(machine, server.omahaUrl);
    await engine.start();
    expect(timers.requested).toEqual([60_000]);
    for (let i = 0; i < 6; i++) {
      const heard = new Promise((resolve) => server.received.once('request', resolve));
      expect(timers.fireNext()).toBe(true);
      await heard;
      await timers.whenPending(); // the engine scheduled the next check
    }
    expect(timers.requested).toEqual([60_000, 120_000, 240_000, 480_000, 480_000, 480_000, 480_000]);
    expect(server.requests.length).toBe(6);
    expect(engine.getStatus().lastErrorCode).toBe(2503);
    await untouched(async () => undefined);
    // recovery resets the interval
    server.checkFault = null;
    const heard = new Promise((resolve) => server.received.once('request', resolve));
    timers.fireNext();
    await heard;
    await timers.whenPending();
    expect(timers.requested.at(-1)).toBe(60_000);
    engine.stop();
    await engine.idle();
  });

  it('server unreachable (connection refused) backs off the same way', async () => {
    await server.stop();
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const final = await untouched(() => engine.attemptUpdate().done);
    expect(final.lastErrorCode).toBe(ErrorCode.OmahaRequestError);
    expect(final.status).toBe(UpdateStatus.IDLE);
  });

  it('disk full on the passive slot (a real ENOSPC from /dev/full): flags untouched, server hears 14', async () => {
    const { mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    const dir = join(machine.dir, 'filebc');
    mkdirSync(dir);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, 'usr-a.img'), payloadFor('1.0.0', 1000));
    const bc = new FileBootControl({
      dir,
      slotPaths: { A: join(dir, 'usr-a.img'), B: '/dev/full' },
      slotBytes: 1 << 30,
    });
    server.offer = { version: '2.0.0', payload: v2 };
    const { engine } = engineFor({ bootControl: bc, stateDir: machine.stateDir }, server.omahaUrl);
    await engine.start({ schedule: false });
    const flags = await bc.readFlags();
    const final = await engine.attemptUpdate().done;
    expect(final.lastErrorCode).toBe(ErrorCode.DownloadWriteError);
    expect(final.lastError).toMatch(/no space left/);
    expect(await bc.readFlags()).toEqual(flags);
    expect(server.events().at(-1)).toEqual({ type: 3, result: 0, errorCode: 14 });
  });

  it('payload larger than the passive partition: 14, slot A and flags untouched', async () => {
    server.offer = { version: '2.0.0', payload: payloadFor('2.0.0', 5 * 1024 * 1024) };
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const final = await untouched(() => engine.attemptUpdate().done);
    expect(final.lastErrorCode).toBe(ErrorCode.DownloadWriteError);
  });

  it('an unexpected I/O error (state dir broken) still ends in IDLE with a code, flags untouched', async () => {
    server.offer = { version: '2.0.0', payload: v2 };
    const { engine } = engineFor(machine, server.omahaUrl);
    await engine.start({ schedule: false });
    const { mkdirSync } = await import('node:fs');
    const { join } = await import('node:path');
    mkdirSync(join(machine.stateDir, 'engine-state.json.tmp')); // the next state save fails (EISDIR)
    const final = await untouched(() => engine.attemptUpdate().done);
    expect(final).toMatchObject({ status: UpdateStatus.IDLE, lastErrorCode: ErrorCode.Error });
    expect(final.lastError).toMatch(/EISDIR/);
  });
});
