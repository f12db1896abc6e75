// The admin gRPC edge: error table, policy patches, watch stream; and updatectl end to end.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '@coreos-ts/grpc-kit';
import { updateserverpb } from '@coreos-ts/proto';
import { credentials, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_APP_ID } from '../src/model/entities.js';
import { UpdateServer } from '../src/update-server.js';
import { defaultUpdateServerConfig } from '../src/update-server-config.js';
import { chunksOf, makePayload, postOmaha, signingKeys, tempDir } from './helpers.js';

type AdminClient = InstanceType<typeof updateserverpb.UpdateAdminClient>;
let dir: string;
let server: UpdateServer;
let admin: AdminClient;
const keys = signingKeys();

function call<Res>(fn: (cb: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

beforeEach(async () => {
  dir = tempDir('admin-grpc-');
  server = await UpdateServer.start(
    { ...defaultUpdateServerConfig(), listen: '127.0.0.1:0', adminListen: '127.0.0.1:0', dataDir: join(dir, 'data') },
    { logger: silentLogger },
  );
  admin = new updateserverpb.UpdateAdminClient(`127.0.0.1:${server.grpc!.port}`, credentials.createInsecure());
});
afterEach(async () => {
  admin.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('admin gRPC service', () => {
  it('maps domain errors to statuses with their messages', async () => {
    await expect(call((cb) => admin.pauseGroup({ group: 'nope' }, cb))).rejects.toMatchObject({
      code: status.NOT_FOUND,
      details: 'group nope not found',
    });
    await expect(
      call((cb) =>
        admin.createGroup(
          { appId: DEFAULT_APP_ID, name: 'g', track: 't', channel: 'c', policy: { maxUpdatesPerPeriod: 0 } },
          cb,
        ),
      ),
    ).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringMatching(/max-updates-per-period \(0\)/),
    });
    await expect(call((cb) => admin.createApplication({ id: DEFAULT_APP_ID, name: 'x' }, cb))).rejects.toMatchObject({
      code: status.ALREADY_EXISTS,
    });
    await expect(
      call((cb) => admin.setChannel({ appId: DEFAULT_APP_ID, name: 'stable', version: '9.9.9' }, cb)),
    ).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });
  });

  it('patches only the policy fields given', async () => {
    const g = await call<updateserverpb.Group>((cb) =>
      admin.createGroup(
        { appId: DEFAULT_APP_ID, name: 'g', track: 't', channel: 'c', policy: { safeMode: true, timeZone: 'UTC' } },
        cb,
      ),
    );
    expect(g.policy).toMatchObject({
      safeMode: true,
      timeZone: 'UTC',
      updatesEnabled: true,
      maxUpdatesPerPeriod: 999_999,
    });
    const u = await call<updateserverpb.Group>((cb) =>
      admin.updateGroup({ group: 'g', channel: '', policy: { maxUpdatesPerPeriod: 2, periodIntervalMs: 60_000n } }, cb),
    );
    expect(u.policy).toMatchObject({
      safeMode: true,
      timeZone: 'UTC',
      maxUpdatesPerPeriod: 2,
      periodIntervalMs: 60_000n,
    });
  });

  it('WatchRollout streams progress as instances check in', async () => {
    await server.admin.addPackage(DEFAULT_APP_ID, '2.0.0', chunksOf(makePayload('2.0.0', 1000, keys.privateKey)));
    await server.admin.setChannel(DEFAULT_APP_ID, 'stable', '2.0.0');
    await server.admin.createGroup({ appId: DEFAULT_APP_ID, name: 'Stable', track: 'stable', channel: 'stable' });
    const stream = admin.watchRollout({ group: 'Stable' });
    stream.on('error', () => undefined);
    const seen: updateserverpb.RolloutProgress[] = [];
    const got = (n: number) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${seen.length} progress messages`)), 10_000);
        const check = () => {
          if (seen.length >= n) {
            clearTimeout(timer);
            stream.off('data', onData);
            resolve();
          }
        };
        const onData = (p: updateserverpb.RolloutProgress) => {
          seen.push(p);
          check();
        };
        stream.on('data', onData);
        check();
      });
    await got(1);
    expect(seen[0]).toMatchObject({ version: '2.0.0', instances: 0, inFlight: 0 });
    await postOmaha(server.omahaUrl, { machineId: 'w1', version: '1.0.0' });
    await got(2);
    expect(seen[1]).toMatchObject({ instances: 1, inFlight: 1 });
    await postOmaha(server.omahaUrl, {
      machineId: 'w1',
      version: '2.0.0',
      updateCheck: false,
      events: [{ type: 3, result: 2, previousVersion: '1.0.0' }],
    });
    await got(3);
    expect(seen.at(-1)).toMatchObject({ complete: 1, succeeded: 1, inFlight: 0 });
    stream.cancel();
  });
});

describe('updatectl', () => {
  const run = promisify(execFile);
  const pkgDir = fileURLToPath(new URL('..', import.meta.url));
  const ctl = (...args: string[]) =>
    run(
      process.execPath,
      ['--import', 'tsx', 'src/bin/updatectl.ts', '--endpoint', `127.0.0.1:${server.grpc!.port}`, ...args],
      {
        cwd: pkgDir,
        encoding: 'utf8',
      },
    );

  it('creates a signed package from a file, points a channel at it, manages a group', async () => {
    const key = join(dir, 'signing.pem');
    const pub = join(dir, 'signing.pub.pem');
    await ctl('keygen', '--out', key, '--public-out', pub);
    const img = join(dir, 'img');
    writeFileSync(img, Buffer.alloc(200_000, 5));
    const created = JSON.parse(
      (await ctl('package', 'create', '--file', img, '--version', '2.0.0', '--key', key)).stdout,
    ) as {
      version: string;
      size: number;
    };
    expect(created).toMatchObject({ version: '2.0.0', size: 4096 + 200_000 + 72 });
    await ctl('channel', 'set', '--name', 'stable', '--version', '2.0.0');
    const group = (
      await ctl(
        'group',
        'create',
        '--name',
        'Stable',
        '--track',
        'stable',
        '--channel',
        'stable',
        '--max-updates-per-period',
        '2',
        '--period-interval',
        '1m',
        '--safe-mode',
        'true',
      )
    ).stdout;
    expect(group).toMatch(/safe=true max=2\/60s/);
    await postOmaha(server.omahaUrl, { machineId: 'ctl-1', version: '1.0.0' });
    expect((await ctl('instances', '--group', 'Stable')).stdout).toMatch(/ctl-1\s+1\.0\.0\s+UpdateGranted\s+2\.0\.0/);
    expect((await ctl('group', 'pause', 'Stable')).stdout).toMatch(/PAUSED/);
    expect((await ctl('group', 'resume', 'Stable')).stdout).not.toMatch(/PAUSED/);
    const { stdout } = await ctl('watch', 'Stable', '--until-complete', '0');
    expect(stdout).toMatch(/version=2\.0\.0 complete=0\/1 in-flight=1/);
    await expect(ctl('group', 'pause', 'missing')).rejects.toMatchObject({
      stderr: expect.stringMatching(/group missing not found/),
    });
  }, 180_000);
});
