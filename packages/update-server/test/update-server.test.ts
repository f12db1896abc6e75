import { readFileSync, rmSync } from 'node:fs';
import { silentLogger } from '@coreos-ts/grpc-kit';
import { interpretUpdateCheck } from '@coreos-ts/update-engine';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminError } from '../src/admin/admin-error.js';
import { DEFAULT_APP_ID, InstanceStatus } from '../src/model/entities.js';
import { UpdateServer } from '../src/update-server.js';
import { defaultUpdateServerConfig } from '../src/update-server-config.js';
import { chunksOf, makePayload, postOmaha, signingKeys, tempDir } from './helpers.js';

let dataDir: string;
let server: UpdateServer;
const keys = signingKeys();
const payload = makePayload('2.0.0', 200_000, keys.privateKey);
let now = 1_700_000_000_000;

async function start() {
  return UpdateServer.start(
    { ...defaultUpdateServerConfig(), listen: '127.0.0.1:0', dataDir, adminListen: '' },
    { logger: silentLogger, nowMs: () => now },
  );
}

beforeEach(async () => {
  dataDir = tempDir('update-server-');
  server = await start();
  await server.admin.addPackage(DEFAULT_APP_ID, '2.0.0', chunksOf(payload));
  await server.admin.setChannel(DEFAULT_APP_ID, 'stable', '2.0.0');
  await server.admin.createGroup({ appId: DEFAULT_APP_ID, name: 'Stable', track: 'stable', channel: 'stable' });
});
afterEach(async () => {
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('update-server over HTTP', () => {
  it('answers the recorded update_engine request with an update update_engine can parse', async () => {
    const xml = readFileSync(
      new URL('../../update-engine/test/fixtures/omaha/request-updatecheck.xml', import.meta.url),
      'utf8',
    );
    const res = await fetch(server.omahaUrl, { method: 'POST', body: xml });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/xml/);
    const body = await res.text();
    expect(body).toMatch(/<updatecheck status="ok">/);
    expect(body).toMatch(/<action event="postinstall" sha256="[A-Za-z0-9+/=]{44}"/);
    const { decodeOmahaResponse } = await import('@coreos-ts/update-engine');
    const outcome = interpretUpdateCheck(decodeOmahaResponse(body), DEFAULT_APP_ID);
    expect(outcome.kind).toBe('update');
    if (outcome.kind !== 'update') return;
    expect(outcome.update.version).toBe('2.0.0');
    expect(outcome.update.sizeBytes).toBe(payload.length);
    const { createHash } = await import('node:crypto');
    expect(outcome.update.sha256Base64).toBe(createHash('sha256').update(payload).digest('base64'));
    const instance = server.store.instance(DEFAULT_APP_ID, 'dbff85b41ae14f41bde761eefbdafaac');
    expect(instance?.status).toBe(InstanceStatus.UpdateGranted);
    // the 3/2 event with an empty previousversion is recorded but completes nothing
    const events = await server.store.listEvents({ machineId: 'dbff85b41ae14f41bde761eefbdafaac', limit: 10 });
    expect(events.map((e) => [e.type, e.result])).toEqual([[3, 2]]);
  });

  it('serves the payload with Range requests (resumable), HEAD and 416', async () => {
    const res = await postOmaha(server.omahaUrl, { machineId: 'm1', version: '1.0.0' });
    const outcome = interpretUpdateCheck(res, DEFAULT_APP_ID);
    if (outcome.kind !== 'update') throw new Error('expected an update');
    const url = outcome.update.urls[0]!;
    const full = Buffer.from(await (await fetch(url)).arrayBuffer());
    expect(full.equals(payload)).toBe(true);
    const part = await fetch(url, { headers: { range: 'bytes=1000-' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000-${payload.length - 1}/${payload.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(payload.subarray(1000))).toBe(true);
    const mid = await fetch(url, { headers: { range: 'bytes=10-19' } });
    expect(Buffer.from(await mid.arrayBuffer()).equals(payload.subarray(10, 20))).toBe(true);
    const head = await fetch(url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(payload.length));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect((await fetch(url, { headers: { range: `bytes=${payload.length}-` } })).status).toBe(416);
    expect((await fetch(`${server.url}/v1/packages/..%2Fdb`)).status).toBe(404);
  });

  it('rejects malformed Omaha XML with 400 and unknown tracks with an error status', async () => {
    const bad = await fetch(server.omahaUrl, { method: 'POST', body: '<request protocol="3.0"><app' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/malformed XML/);
    const res = await postOmaha(server.omahaUrl, { machineId: 'm1', version: '1.0.0', track: 'nope' });
    expect(res.apps[0]?.updateCheck?.status).toBe('error-unknownGroup');
    expect((await fetch(server.omahaUrl, { method: 'GET' })).status).toBe(405);
  });

  it('tracks instance status through the events and completes on 3/2 with a previous version', async () => {
    await postOmaha(server.omahaUrl, { machineId: 'm1', version: '1.0.0' });
    await postOmaha(server.omahaUrl, {
      machineId: 'm1',
      version: '1.0.0',
      updateCheck: false,
      events: [{ type: 13, result: 1 }],
    });
    expect(server.store.instance(DEFAULT_APP_ID, 'm1')?.status).toBe(InstanceStatus.Downloading);
    await postOmaha(server.omahaUrl, {
      machineId: 'm1',
      version: '1.0.0',
      updateCheck: false,
      events: [{ type: 14, result: 1 }],
    });
    expect(server.store.instance(DEFAULT_APP_ID, 'm1')?.status).toBe(InstanceStatus.Downloaded);
    const done = await postOmaha(server.omahaUrl, {
      machineId: 'm1',
      version: '2.0.0',
      events: [{ type: 3, result: 2, previousVersion: '1.0.0' }],
    });
    expect(done.apps[0]?.eventCount).toBe(1);
    expect(done.apps[0]?.updateCheck?.status).toBe('noupdate');
    const inst = server.store.instance(DEFAULT_APP_ID, 'm1');
    expect(inst).toMatchObject({ status: InstanceStatus.Complete, version: '2.0.0' });
    const g = server.admin.groupProgress('Stable');
    expect(g).toMatchObject({ version: '2.0.0', succeeded: 1, complete: 1, inFlight: 0 });
  });

  it('records error codes and survives a restart (LevelDB)', async () => {
    await postOmaha(server.omahaUrl, { machineId: 'm2', version: '1.0.0' });
    await postOmaha(server.omahaUrl, {
      machineId: 'm2',
      version: '1.0.0',
      updateCheck: false,
      events: [{ type: 3, result: 0, errorCode: 10 }],
    });
    await server.admin.setGroupPaused('Stable', true);
    await server.close();
    server = await start();
    const inst = server.store.instance(DEFAULT_APP_ID, 'm2');
    expect(inst).toMatchObject({ status: InstanceStatus.Error, lastErrorCode: 10 });
    expect(server.admin.groupProgress('Stable')).toMatchObject({ paused: true, failed: 1 });
    const events = await server.store.listEvents({ machineId: 'm2', limit: 10 });
    expect(events.map((e) => e.errorCode)).toEqual([10]);
    const res = await postOmaha(server.omahaUrl, { machineId: 'm3', version: '1.0.0' });
    expect(res.apps[0]?.updateCheck?.status).toBe('noupdate');
    expect(server.store.instance(DEFAULT_APP_ID, 'm3')?.status).toBe(InstanceStatus.OnHold);
    // the payload file is still served after the restart
    const pkg = server.store.listPackages()[0]!;
    expect((await fetch(`${server.url}/v1/packages/${pkg.fileName}`, { method: 'HEAD' })).status).toBe(200);
  });

  it('refuses payloads whose header names another version, or with a bad signature when keyed', async () => {
    const other = makePayload('3.0.0', 1000, keys.privateKey);
    await expect(server.admin.addPackage(DEFAULT_APP_ID, '3.1.0', chunksOf(other))).rejects.toThrow(
      /names version 3\.0\.0/,
    );
    await expect(server.admin.addPackage(DEFAULT_APP_ID, '2.0.0', chunksOf(payload))).rejects.toBeInstanceOf(
      AdminError,
    );
    const truncated = other.subarray(0, other.length - 10);
    await expect(server.admin.addPackage(DEFAULT_APP_ID, '3.0.0', chunksOf(truncated))).rejects.toThrow(/header says/);
  });

  it('policy over HTTP: 5 instances, max 2 per period, never more than 2 grants per period', async () => {
    await server.admin.updateGroup('Stable', { policy: { maxUpdatesPerPeriod: 2, periodIntervalMs: 60_000 } });
    const grantTimes: number[] = [];
    for (let round = 0; round < 6; round++) {
      for (let m = 0; m < 5; m++) {
        const machineId = `policy-${m}`;
        const inst = server.store.instance(DEFAULT_APP_ID, machineId);
        const wasGranted = inst?.status === InstanceStatus.UpdateGranted;
        const res = await postOmaha(server.omahaUrl, { machineId, version: '1.0.0' });
        if (res.apps[0]?.updateCheck?.status === 'ok' && !wasGranted) grantTimes.push(now);
        now += 7_000;
      }
    }
    for (const t of grantTimes)
      expect(grantTimes.filter((u) => u > t - 60_000 && u <= t).length).toBeLessThanOrEqual(2);
    expect(grantTimes.length).toBe(5);
    const onHold = server.admin.listInstances({ groupId: 'Stable' }).filter((i) => i.status === InstanceStatus.OnHold);
    expect(onHold.length).toBe(0);
  });

  it('bounds the instances it tracks: past the limit new machines get 503, known ones are served', async () => {
    await server.close();
    server = await UpdateServer.start(
      { ...defaultUpdateServerConfig(), listen: '127.0.0.1:0', dataDir, adminListen: '', maxInstances: 2 },
      { logger: silentLogger, nowMs: () => now },
    );
    await postOmaha(server.omahaUrl, { machineId: 'a', version: '1.0.0' });
    await postOmaha(server.omahaUrl, { machineId: 'b', version: '1.0.0' });
    await expect(postOmaha(server.omahaUrl, { machineId: 'c', version: '1.0.0' })).rejects.toThrow(
      /omaha 503: instance limit \(2\)/,
    );
    expect((await postOmaha(server.omahaUrl, { machineId: 'a', version: '1.0.0' })).apps[0]?.status).toBe('ok');
  });
});
