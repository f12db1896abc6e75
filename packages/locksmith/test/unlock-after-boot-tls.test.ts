import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvClient } from '@coreos-ts/kv-client';
import {
  makeTestCertificates,
  type RunningCluster,
  startCluster,
  type TestCertificates,
} from '@coreos-ts/kv-client/testing';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { defaultDaemonConfig } from '../src/daemon/daemon-config.js';
import { startLocksmithd } from '../src/daemon/locksmithd.js';
import { KvSemaphoreStore } from '../src/store/kv-semaphore-store.js';
import { DaemonSteps, hasAction, isEvent } from './daemon-steps.js';
import { startFakeUpdateEngine } from './fake-update-engine.js';
import { kvBackends, requireBackend } from './kv-backends.js';

// locksmith's users reported that the unlock after boot failed against TLS / remote etcd and the
// machine kept its slot (coreos/bugs#1766, #2029): here the unlock fails while kv is down and
// must be retried, with back-off, over mutual TLS, until it succeeds.
describe.each(kvBackends)('unlock after boot over mutual-TLS $name', (backend) => {
  let dir: string;
  let certs: TestCertificates;
  let cluster: RunningCluster;
  let admin: KvClient;

  beforeAll(async () => {
    requireBackend(backend);
    dir = mkdtempSync(join(tmpdir(), 'locksmith-tls-'));
    certs = makeTestCertificates(dir);
    cluster = await startCluster({
      size: 3,
      binary: backend.binary,
      tls: {
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        caFile: certs.caFile,
        clientCertAuth: true,
        clientCertFile: certs.clientCertFile,
        clientKeyFile: certs.clientKeyFile,
      },
    });
    admin = new KvClient({ endpoints: cluster.endpoints, tls: tlsFiles() });
  });

  afterAll(async () => {
    admin?.close();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tlsFiles = () => ({ caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile });

  it('retries the unlock with growing back-off while kv is down, and gives the slot back once it is up', async () => {
    const group = 'tls-boot';
    const admin_ = new SemaphoreClient({ store: new KvSemaphoreStore({ client: admin }) });
    await admin_.lock('m1', group);

    // the machine comes back from its reboot while no kv member answers
    await Promise.all(cluster.members.map((m) => m.kill('SIGKILL')));
    const kv = new KvClient({
      endpoints: cluster.endpoints,
      tls: tlsFiles(),
      callTimeoutMs: 1_000,
      dialTimeoutMs: 500,
    });
    const ue = await startFakeUpdateEngine('UPDATE_STATUS_IDLE');
    const steps = new DaemonSteps();
    const d = await startLocksmithd({
      store: new KvSemaphoreStore({ client: kv }),
      machineId: 'm1',
      group,
      daemon: { ...defaultDaemonConfig(), strategy: 'etcd-lock', retryBackoff: { initialMs: 200, maxMs: 800 } },
      updateEngine: { address: ue.address, credentials: credentials.createInsecure() },
      onStep: steps.onStep,
    });
    try {
      // three failures, each followed by a longer wait
      const waits: number[] = [];
      for (let i = 1; i <= 3; i++) {
        const failed = await steps.next((s) => isEvent('unlock-failed')(s) && s.state.failures.unlock === i);
        expect(hasAction('wait-for-backoff')(failed)).toBe(true);
        waits.push(failed.state.retryAtMs.unlock - failed.atMs);
        expect(failed.event.type === 'unlock-failed' && failed.event.reason).toMatch(/failed/);
      }
      expect(waits[0]).toBeGreaterThanOrEqual(190);
      expect(waits[1]).toBeGreaterThan(waits[0]!);
      expect(waits[2]).toBeGreaterThan(waits[1]!);

      await Promise.all(cluster.members.map((m) => m.restart()));
      await steps.next(isEvent('unlocked'));
      expect(d.runner.state.lock).toBe('free');
      expect(await admin_.status(group)).toEqual({ semaphore: 1, max: 1, holders: [] });
    } finally {
      await d.stop();
      await ue.stop();
      kv.close();
    }
  });
});
