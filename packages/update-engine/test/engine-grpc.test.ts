// The engine's gRPC edge and update-engine-client, against a daemon on a GPT disk image.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '@coreos-ts/grpc-kit';
import { updateenginepb } from '@coreos-ts/proto';
import { credentials, status } from '@grpc/grpc-js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningDaemon, startDaemon } from '../src/engine/daemon.js';
import { defaultUpdateEngineConfig } from '../src/engine/update-engine-config.js';
import { FakeOmahaServer } from '../src/testing/fake-omaha-server.js';
import { keys, type Machine, makeMachine, payloadFor } from './engine-helpers.js';

let machine: Machine;
let server: FakeOmahaServer;
let daemon: RunningDaemon;
let client: InstanceType<typeof updateenginepb.UpdateEngineClient>;

function call<Res>(fn: (cb: (err: Error | null, res: Res) => void) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

beforeEach(async () => {
  machine = await makeMachine();
  server = await new FakeOmahaServer().start();
  const pub = join(machine.dir, 'key.pub.pem');
  writeFileSync(pub, keys.publicKey.export({ type: 'spki', format: 'pem' }));
  daemon = await startDaemon({
    config: {
      ...defaultUpdateEngineConfig(),
      server: server.omahaUrl,
      machineId: 'dbff85b41ae14f41bde761eefbdafaac',
      bootId: 'b1',
      disk: machine.disk,
      publicKeyPem: pub,
      stateDir: machine.stateDir,
      initialCheckDelayMs: 3_600_000,
    },
    listen: '127.0.0.1:0',
    logger: silentLogger,
    bootedSlot: 'A',
  });
  client = new updateenginepb.UpdateEngineClient(`127.0.0.1:${daemon.grpc!.port}`, credentials.createInsecure());
});
afterEach(async () => {
  client.close();
  await daemon.stop();
  await server.stop();
  rmSync(machine.dir, { recursive: true, force: true });
});

describe('update-engine gRPC', () => {
  it('GetStatus, GetBootInfo, and ResetStatus refused while busy is FAILED_PRECONDITION', async () => {
    const s = await call<updateenginepb.StatusResponse>((cb) => client.getStatus({}, cb));
    expect(s).toMatchObject({ currentOperationName: 'UPDATE_STATUS_IDLE', runningVersion: '1.0.0', lastErrorCode: 0 });
    const info = await call<updateenginepb.BootInfo>((cb) => client.getBootInfo({}, cb));
    expect(info).toMatchObject({ bootedSlot: 'A', bootControl: 'gpt', runningVersion: '1.0.0' });
    expect(info.slots.map((x) => [x.name, x.priority, x.tries, x.successful, x.version, x.booted])).toEqual([
      ['A', 1, 0, true, '1.0.0', true],
      ['B', 0, 0, false, '', false],
    ]);
    // hold the server's answer so the engine stays in CHECKING_FOR_UPDATE
    server.checkFault = 503;
    let release = () => {};
    server.checkGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const res = await call<updateenginepb.AttemptUpdateResponse>((cb) =>
      client.attemptUpdate({ interactive: true }, cb),
    );
    expect(res.started).toBe(true);
    expect(res.status?.currentOperationName).toBe('UPDATE_STATUS_CHECKING_FOR_UPDATE');
    await expect(call((cb) => client.resetStatus({}, cb))).rejects.toMatchObject({ code: status.FAILED_PRECONDITION });
    release();
    await daemon.engine.idle();
    const after = await call<updateenginepb.StatusResponse>((cb) => client.getStatus({}, cb));
    expect(after).toMatchObject({ currentOperationName: 'UPDATE_STATUS_IDLE', lastErrorCode: 2503 });
  });

  it('update-engine-client check shows progress and ends in UPDATED_NEED_REBOOT; boot-info shows both versions', async () => {
    server.offer = { version: '2.0.0', payload: payloadFor('2.0.0', 1_000_000) };
    const run = promisify(execFile);
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        ['--import', 'tsx', 'src/bin/update-engine-client.ts', '--endpoint', `127.0.0.1:${daemon.grpc!.port}`, ...args],
        {
          cwd: fileURLToPath(new URL('..', import.meta.url)),
          encoding: 'utf8',
        },
      );
    const check = await cli('check');
    expect(check.stdout).toMatch(/CURRENT_OP=UPDATE_STATUS_UPDATED_NEED_REBOOT/);
    expect(check.stdout).toMatch(/NEW_VERSION=2\.0\.0/);
    const info = (await cli('boot-info')).stdout;
    expect(info).toMatch(/^A\s+USR-A\s+1\.0\.0\s+1\s+0\s+1\s+\*$/m);
    expect(info).toMatch(/^B\s+USR-B\s+2\.0\.0\s+2\s+1\s+0\s*$/m);
    expect(info).toMatch(/PENDING_VERSION=2\.0\.0/);
    expect((await cli('reset')).stdout).toMatch(/CURRENT_OP=UPDATE_STATUS_IDLE/);
    expect((await cli('status')).stdout).toMatch(/RUNNING_VERSION=1\.0\.0/);
  }, 180_000);
});
