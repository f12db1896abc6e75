// The done-when cycle, with real parts: update-server (HTTP + LevelDB + admin gRPC), update-engine
// (gRPC) on a GPT disk image made by sgdisk, checked with cgpt and sgdisk --verify.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '@coreos-ts/grpc-kit';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { updateenginepb, updateserverpb } from '@coreos-ts/proto';
import {
  bootDiskImage,
  buildPayload,
  defaultUpdateEngineConfig,
  GptBootControl,
  type RunningDaemon,
  readSlotVersion,
  startDaemon,
} from '@coreos-ts/update-engine';
import {
  cgptShowAttributes,
  createTestDisk,
  installPayloadInSlot,
  sgdiskVerify,
} from '@coreos-ts/update-engine/testing';
import { credentials } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP_ID, InstanceStatus } from '../src/model/entities.js';
import { UpdateServer } from '../src/update-server.js';
import { defaultUpdateServerConfig } from '../src/update-server-config.js';
import { signingKeys, tempDir } from './helpers.js';

requireTool('sgdisk', 'apt-get install -y gdisk');
requireTool('cgpt', 'apt-get install -y cgpt');

const keys = signingKeys();
const rogue = signingKeys();
type AdminClient = InstanceType<typeof updateserverpb.UpdateAdminClient>;
type EngineClient = InstanceType<typeof updateenginepb.UpdateEngineClient>;

function call<Res>(fn: (cb: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

function image(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 7 + seed) & 0xff;
  return b;
}

interface Machine {
  id: string;
  dir: string;
  disk: string;
  daemon: RunningDaemon | null;
  client: EngineClient | null;
  reboots: number;
  boot: number;
}

let dir: string;
let server: UpdateServer;
let admin: AdminClient;
let pubKeyPath: string;
const machines: Machine[] = [];

beforeEach(async () => {
  dir = tempDir('update-cycle-');
  pubKeyPath = join(dir, 'update-payload-key.pub.pem');
  writeFileSync(pubKeyPath, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  server = await UpdateServer.start(
    { ...defaultUpdateServerConfig(), listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', dataDir: join(dir, 'server') },
    { logger: silentLogger },
  );
  admin = new updateserverpb.UpdateAdminClient(`127.0.0.1:${server.grpc!.port}`, credentials.createInsecure());
});

afterEach(async () => {
  for (const m of machines.splice(0)) {
    m.client?.close();
    await m.daemon?.stop();
  }
  admin.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function upload(version: string, signer = keys.privateKey): Promise<updateserverpb.Package> {
  const payload = buildPayload(image(600_000, version.length), version, signer);
  return new Promise((resolve, reject) => {
    const stream = admin.uploadPackage((err, res) => (err ? reject(err) : resolve(res)));
    stream.write({ appId: DEFAULT_APP_ID, version, chunk: Buffer.alloc(0) });
    for (let i = 0; i < payload.length; i += 100_000)
      stream.write({ appId: '', version: '', chunk: payload.subarray(i, i + 100_000) });
    stream.end();
  });
}

async function newMachine(id: string): Promise<Machine> {
  const mdir = join(dir, id);
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(mdir, 'state'), { recursive: true });
  const disk = join(mdir, 'disk.img');
  createTestDisk(disk, { usrMiB: 2 });
  await installPayloadInSlot(new GptBootControl(disk), 'A', buildPayload(image(300_000, 1), '1.0.0', keys.privateKey));
  const m: Machine = { id, dir: mdir, disk, daemon: null, client: null, reboots: 0, boot: 0 };
  machines.push(m);
  return m;
}

/** Boots the machine: the bootloader's choice on its disk, then update-engine on that slot. */
async function boot(m: Machine, healthCommand = 'true') {
  m.client?.close();
  await m.daemon?.stop();
  const choice = await bootDiskImage(m.disk);
  if (choice.slot === null) throw new Error('nothing bootable');
  m.boot++;
  m.daemon = await startDaemon({
    config: {
      ...defaultUpdateEngineConfig(),
      server: server.omahaUrl,
      group: 'stable',
      machineId: m.id,
      bootId: `${m.id}-boot-${m.boot}`,
      disk: m.disk,
      publicKeyPem: pubKeyPath,
      stateDir: join(m.dir, 'state'),
      healthCommand,
      healthWindowMs: 0,
      initialCheckDelayMs: 3_600_000,
    },
    listen: '127.0.0.1:0',
    logger: silentLogger,
    bootedSlot: choice.slot,
    reboot: async () => {
      m.reboots++;
    },
  });
  m.client = new updateenginepb.UpdateEngineClient(`127.0.0.1:${m.daemon.grpc!.port}`, credentials.createInsecure());
  return { slot: choice.slot, postBoot: m.daemon.postBoot };
}

/** AttemptUpdate over gRPC, following WatchStatus until the attempt settles. */
async function check(m: Machine): Promise<updateenginepb.StatusResponse[]> {
  const c = m.client!;
  const seen: updateenginepb.StatusResponse[] = [];
  const stream = c.watchStatus({});
  stream.on('error', (err: Error & { code?: number }) => {
    if (err.code !== 1) throw err; // 1 = CANCELLED: our own cancel below
  });
  const settled = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`attempt did not settle: ${JSON.stringify(seen.map((s) => s.currentOperationName))}`)),
      30_000,
    );
    stream.on('data', (s: updateenginepb.StatusResponse) => {
      seen.push(s);
      const terminal =
        s.currentOperation === updateenginepb.UpdateStatus.UPDATE_STATUS_IDLE ||
        s.currentOperation === updateenginepb.UpdateStatus.UPDATE_STATUS_UPDATED_NEED_REBOOT;
      if (seen.length > 1 && terminal) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  // the first message is the current status; start the attempt once the watch is live
  await new Promise<void>((resolve) => stream.once('data', () => resolve()));
  const res = await call<updateenginepb.AttemptUpdateResponse>((cb) => c.attemptUpdate({ interactive: true }, cb));
  expect(res.started).toBe(true);
  await settled;
  stream.cancel();
  return seen;
}

const instance = (machineId: string) => server.store.instance(DEFAULT_APP_ID, machineId);

describe('the update cycle on a GPT disk', () => {
  it('publish 2.0.0 -> check -> download -> verify -> B written -> boot B -> healthy -> Complete on 2.0.0', async () => {
    await upload('2.0.0');
    await call((cb) => admin.setChannel({ appId: DEFAULT_APP_ID, name: 'stable', version: '2.0.0' }, cb));
    await call((cb) =>
      admin.createGroup({ appId: DEFAULT_APP_ID, name: 'Stable', track: 'stable', channel: 'stable', policy: {} }, cb),
    );
    const m = await newMachine('0f1e2d3c4b5a69788796a5b4c3d2e1f0');
    expect(await boot(m)).toEqual({ slot: 'A', postBoot: 'none' });

    const seen = await check(m);
    const ops = [...new Set(seen.map((s) => s.currentOperationName))];
    expect(ops).toEqual([
      'UPDATE_STATUS_IDLE',
      'UPDATE_STATUS_CHECKING_FOR_UPDATE',
      'UPDATE_STATUS_UPDATE_AVAILABLE',
      'UPDATE_STATUS_DOWNLOADING',
      'UPDATE_STATUS_VERIFYING',
      'UPDATE_STATUS_FINALIZING',
      'UPDATE_STATUS_UPDATED_NEED_REBOOT',
    ]);
    expect(seen.at(-1)).toMatchObject({ newVersion: '2.0.0', progress: 1 });
    // cgpt: B above A, one try, not yet successful; both GPT copies valid
    expect(cgptShowAttributes(m.disk, 4)).toEqual({ priority: 2, tries: 1, successful: 0 });
    expect(cgptShowAttributes(m.disk, 3)).toEqual({ priority: 1, tries: 0, successful: 1 });
    sgdiskVerify(m.disk);
    const info = await call<updateenginepb.BootInfo>((cb) => m.client!.getBootInfo({}, cb));
    expect(info.slots.map((s) => [s.name, s.label, s.version])).toEqual([
      ['A', 'USR-A', '1.0.0'],
      ['B', 'USR-B', '2.0.0'],
    ]);
    expect(info.pendingVersion).toBe('2.0.0');
    expect(instance(m.id)?.status).toBe(InstanceStatus.Installed);

    // reboot: the bootloader picks B and spends its try; the health check passes
    const after = await boot(m);
    expect(after).toEqual({ slot: 'B', postBoot: 'confirmed' });
    expect(cgptShowAttributes(m.disk, 4)).toEqual({ priority: 2, tries: 0, successful: 1 });
    sgdiskVerify(m.disk);
    expect(instance(m.id)).toMatchObject({ status: InstanceStatus.Complete, version: '2.0.0' });
    const res = await call<updateserverpb.ListInstancesResponse>((cb) =>
      admin.listInstances({ appId: DEFAULT_APP_ID, group: 'Stable' }, cb),
    );
    expect(res.instances.map((i) => [i.machineId, i.version, i.statusName])).toEqual([[m.id, '2.0.0', 'Complete']]);
    // and it stays on B across further boots
    expect((await boot(m)).slot).toBe('B');
    const status = await call<updateenginepb.StatusResponse>((cb) => m.client!.getStatus({}, cb));
    expect(status.runningVersion).toBe('2.0.0');
  });

  it('a bad signature never reaches the slot and the server records error 18', async () => {
    await upload('2.0.0', rogue.privateKey);
    await call((cb) => admin.setChannel({ appId: DEFAULT_APP_ID, name: 'stable', version: '2.0.0' }, cb));
    await call((cb) =>
      admin.createGroup({ appId: DEFAULT_APP_ID, name: 'Stable', track: 'stable', channel: 'stable', policy: {} }, cb),
    );
    const m = await newMachine('aaaaaaaabbbbbbbbccccccccdddddddd');
    await boot(m);
    const bc = new GptBootControl(m.disk);
    const seen = await check(m);
    expect(seen.at(-1)).toMatchObject({ currentOperationName: 'UPDATE_STATUS_IDLE', lastErrorCode: 18 });
    expect(await readSlotVersion(await bc.device('B'))).toBeNull();
    expect(cgptShowAttributes(m.disk, 4)).toEqual({ priority: 0, tries: 0, successful: 0 });
    expect(instance(m.id)).toMatchObject({ status: InstanceStatus.Error, lastErrorCode: 18 });
  });

  it('a version whose health check fails is rolled back by the next boot; safe mode halts the rollout', async () => {
    await upload('2.0.0');
    await call((cb) => admin.setChannel({ appId: DEFAULT_APP_ID, name: 'stable', version: '2.0.0' }, cb));
    await call((cb) =>
      admin.createGroup(
        { appId: DEFAULT_APP_ID, name: 'Stable', track: 'stable', channel: 'stable', policy: { safeMode: true } },
        cb,
      ),
    );
    const first = await newMachine('11111111111111111111111111111111');
    const second = await newMachine('22222222222222222222222222222222');
    await boot(first);
    await boot(second);
    // safe mode: only the first machine gets to try
    expect((await check(first)).at(-1)?.currentOperationName).toBe('UPDATE_STATUS_UPDATED_NEED_REBOOT');
    expect((await check(second)).at(-1)?.newVersion).toBe('');
    expect(instance(second.id)?.status).toBe(InstanceStatus.OnHold);

    // the new version boots but never proves healthy
    expect(await boot(first, 'exit 1')).toEqual({ slot: 'B', postBoot: 'health-failed' });
    expect(first.reboots).toBe(1);
    expect(instance(first.id)).toMatchObject({ status: InstanceStatus.Error, version: '2.0.0' });
    const progress = server.admin.groupProgress('Stable');
    expect(progress).toMatchObject({ halted: true, failed: 1 });

    // the bootloader falls back to A (B has no tries left and is not successful)
    expect(cgptShowAttributes(first.disk, 4)).toEqual({ priority: 2, tries: 0, successful: 0 });
    expect(await boot(first)).toEqual({ slot: 'A', postBoot: 'rolled-back' });
    sgdiskVerify(first.disk);
    // on the next check the rollback is reported; the halted rollout offers nothing
    const seen = await check(first);
    expect(seen.at(-1)?.newVersion).toBe('');
    const events = await server.store.listEvents({ machineId: first.id, limit: 20 });
    expect(events.map((e) => [e.type, e.result, e.errorCode])).toContainEqual([3, 0, 44]);
    expect((await check(second)).at(-1)?.newVersion).toBe('');
    expect(server.admin.groupProgress('Stable').halted).toBe(true);
  });
});
