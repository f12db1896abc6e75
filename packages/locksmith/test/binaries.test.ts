import { mkdtempSync, readFileSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KvClient } from '@coreos-ts/kv-client';
import {
  makeTestCertificates,
  type RunningCluster,
  startCluster,
  type TestCertificates,
} from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { KvSemaphoreStore } from '../src/store/kv-semaphore-store.js';
import { builtBin, DaemonProcess, locksmithctl } from './bin-helpers.js';
import { type FakeUpdateEngine, startFakeUpdateEngine } from './fake-update-engine.js';

/** "HH:MM" in UTC of `ms`. */
function utcHourMinute(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
}

/** Resolves once `path` holds at least `lines` lines (watching its directory, no polling). */
async function fileLines(path: string, lines: number): Promise<string[]> {
  const read = () => {
    try {
      return readFileSync(path, 'utf8').split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  const watcher = watch(join(path, '..'));
  try {
    for (;;) {
      const current = read();
      if (current.length >= lines) return current;
      await new Promise((resolve) => watcher.once('change', resolve));
    }
  } finally {
    watcher.close();
  }
}

describe('locksmithctl and locksmithd as processes against a mutual-TLS etcd', () => {
  let dir: string;
  let certs: TestCertificates;
  let cluster: RunningCluster;
  let kv: KvClient;
  let semaphore: SemaphoreClient;
  const cleanups: (() => Promise<unknown> | undefined)[] = [];

  beforeAll(async () => {
    builtBin('locksmithctl');
    builtBin('locksmithd');
    dir = mkdtempSync(join(tmpdir(), 'locksmith-bin-'));
    certs = makeTestCertificates(dir);
    cluster = await startCluster({
      size: 3,
      binary: 'etcd',
      tls: {
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        caFile: certs.caFile,
        clientCertAuth: true,
        clientCertFile: certs.clientCertFile,
        clientKeyFile: certs.clientKeyFile,
      },
    });
    kv = new KvClient({
      endpoints: cluster.endpoints,
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
    });
    semaphore = new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    kv?.close();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const tlsFlags = () => [
    '--etcd-cafile',
    certs.caFile,
    '--etcd-certfile',
    certs.clientCertFile,
    '--etcd-keyfile',
    certs.clientKeyFile,
  ];
  const ctl = (args: string[], env: NodeJS.ProcessEnv = {}) =>
    locksmithctl(['--endpoint', cluster.endpoints.join(','), ...tlsFlags(), ...args], env);

  describe('locksmithctl', () => {
    it("status, set-max, lock and unlock print what locksmith's locksmithctl prints", async () => {
      const group = ['--group', 'ctl'];
      expect(await ctl([...group, 'status'])).toEqual({ code: 0, out: 'Available: 1\nMax: 1\n', err: '' });
      expect(await ctl([...group, 'set-max', '2'])).toEqual({ code: 0, out: 'Old-Max: 1\nMax: 2\n', err: '' });
      expect((await ctl([...group, 'lock', 'm2'])).code).toBe(0);
      expect((await ctl([...group, 'lock', 'm1'])).code).toBe(0);
      expect(await ctl([...group, 'status'])).toEqual({
        code: 0,
        out: 'Available: 0\nMax: 2\n\nMACHINE ID\nm1\nm2\n',
        err: '',
      });
      expect(await ctl([...group, 'lock', 'm3'])).toEqual({
        code: 1,
        out: '',
        err: 'Error locking: semaphore is at 0\n',
      });
      expect(await ctl([...group, 'unlock', 'm9'])).toEqual({
        code: 1,
        out: '',
        err: 'Error unlocking: holder does not exist: m9 holds no slot\n',
      });
      expect((await ctl([...group, 'unlock', 'm1'])).code).toBe(0);
      expect(await semaphore.status('ctl')).toEqual({ semaphore: 1, max: 2, holders: ['m2'] });
      expect((await ctl([...group, 'set-max', 'two'])).code).toBe(2);
    });

    it('takes endpoints repeated or from LOCKSMITHCTL_* variables, and defaults the id to /etc/machine-id', async () => {
      const [a, b, c] = cluster.endpoints as [string, string, string];
      const repeated = await locksmithctl([
        '--endpoint',
        a,
        '--endpoint',
        `${b},${c}`,
        ...tlsFlags(),
        '--group',
        'env',
        'lock',
      ]);
      expect(repeated).toMatchObject({ code: 0, err: '' });
      const machineId = readFileSync('/etc/machine-id', 'utf8').trim();
      const viaEnv = await locksmithctl(['status'], {
        LOCKSMITHCTL_ENDPOINT: cluster.endpoints.join(','),
        LOCKSMITHCTL_ETCD_CAFILE: certs.caFile,
        LOCKSMITHCTL_ETCD_CERTFILE: certs.clientCertFile,
        LOCKSMITHCTL_ETCD_KEYFILE: certs.clientKeyFile,
        LOCKSMITHCTL_GROUP: 'env',
      });
      expect(viaEnv).toEqual({ code: 0, out: `Available: 0\nMax: 1\n\nMACHINE ID\n${machineId}\n`, err: '' });
    });

    it('without the client certificate the members refuse it: exit 1 with the error', async () => {
      const result = await locksmithctl(['--endpoint', cluster.endpoints[0]!, '--etcd-cafile', certs.caFile, 'status']);
      expect(result.code).toBe(1);
      expect(result.err).toMatch(/^Error: /);
    });
  });

  describe('locksmithd', () => {
    async function updateEngine(): Promise<FakeUpdateEngine> {
      const ue = await startFakeUpdateEngine('UPDATE_STATUS_IDLE');
      cleanups.push(() => ue.stop());
      return ue;
    }

    function daemon(args: string[], env: NodeJS.ProcessEnv = {}): DaemonProcess {
      const d = new DaemonProcess(['--endpoint', cluster.endpoints.join(','), ...tlsFlags(), ...args], env);
      cleanups.push(() => d.stop());
      return d;
    }

    it('reboots once, inside an open window, holding a slot; gives the slot back after the boot', async () => {
      const ue = await updateEngine();
      const marker = join(dir, 'rebooted-m-open');
      const now = Date.now();
      const common = [
        '--group',
        'bin',
        '--machine-id',
        'm-open',
        '--update-engine',
        ue.address,
        '--reboot-command',
        `echo rebooted >> ${marker}`,
      ];
      const env = {
        REBOOT_STRATEGY: 'etcd-lock',
        LOCKSMITHD_REBOOT_WINDOW_START: utcHourMinute(now - 60_000),
        LOCKSMITHD_REBOOT_WINDOW_LENGTH: '1h',
        LOCKSMITHD_TIME_ZONE: 'UTC',
      };
      const d1 = daemon([...common, '--listen', '127.0.0.1:0', '--fleetlock-listen', '127.0.0.1:0'], env);
      const started = await d1.log('locksmithd started');
      await d1.log('update status', (l) => l.status === 'UPDATE_STATUS_IDLE');

      // the FleetLock endpoint shares the semaphore store
      const fleetlock = await fetch(`http://127.0.0.1:${started.fleetLockPort}/v1/pre-reboot`, {
        method: 'POST',
        headers: { 'fleet-lock-protocol': 'true' },
        body: JSON.stringify({ client_params: { id: 'zincati-1', group: 'fleetlock-bin' } }),
      });
      expect(fleetlock.status).toBe(200);
      expect((await semaphore.status('fleetlock-bin')).holders).toEqual(['zincati-1']);

      ue.setStatus('UPDATE_STATUS_UPDATED_NEED_REBOOT');
      expect(await fileLines(marker, 1)).toEqual(['rebooted']);
      expect((await semaphore.status('bin')).holders).toEqual(['m-open']);

      // the same need again (update-engine repeats itself): no second reboot
      const seen = d1.lines.length;
      ue.setStatus('UPDATE_STATUS_UPDATED_NEED_REBOOT');
      await d1.log('update status', (l) => l.status === 'UPDATE_STATUS_UPDATED_NEED_REBOOT', seen);
      expect(await d1.stop()).toBe(0);
      expect(readFileSync(marker, 'utf8')).toBe('rebooted\n');

      // the machine is back: a new locksmithd gives the slot back
      ue.setStatus('UPDATE_STATUS_IDLE');
      const d2 = daemon(common, env);
      await d2.log('reboot lock released');
      expect(await semaphore.status('bin')).toEqual({ semaphore: 1, max: 1, holders: [] });
      expect(await d2.stop()).toBe(0);
      expect(readFileSync(marker, 'utf8')).toBe('rebooted\n');
    });

    it('outside the window it waits, without locking or rebooting', async () => {
      const ue = await updateEngine();
      const marker = join(dir, 'rebooted-m-closed');
      const start = utcHourMinute(Date.now() + 3 * 3_600_000);
      const d = daemon([
        '--group',
        'bin-closed',
        '--machine-id',
        'm-closed',
        '--strategy',
        'etcd-lock',
        '--window-start',
        start,
        '--window-length',
        '1h',
        '--time-zone',
        'UTC',
        '--update-engine',
        ue.address,
        '--reboot-command',
        `echo rebooted >> ${marker}`,
      ]);
      await d.log('locksmithd started');
      ue.setStatus('UPDATE_STATUS_UPDATED_NEED_REBOOT');
      const waiting = await d.log('reboot needed, waiting for the reboot window');
      expect(utcHourMinute(waiting.untilMs as number)).toBe(start);
      const closed = await semaphore.status('bin-closed');
      expect({ ...closed, holders: closed.holders ?? [] }).toEqual({ semaphore: 1, max: 1, holders: [] });
      expect(() => readFileSync(marker)).toThrow(/ENOENT/);
      expect(await d.stop()).toBe(0);
    });

    it('strategy off: exits 0 at once', async () => {
      const d = daemon(['--strategy', 'off', '--machine-id', 'm-off', '--update-engine', '127.0.0.1:1']);
      expect(await d.exited).toBe(0);
      expect(d.output()).toContain('reboot strategy is off');
    });

    it('a bad flag value fails with a message naming it', async () => {
      const d = daemon(['--machine-id', 'm-bad', '--window-start', '25:00', '--window-length', '1h']);
      expect(await d.exited).toBe(1);
      expect(d.output()).toContain('window-start ("25:00")');
      const b = daemon(['--machine-id', 'm-bad', '--lock-backoff-initial', '2s', '--lock-backoff-max', '1s']);
      expect(await b.exited).toBe(1);
      expect(b.output()).toContain('lock-backoff max (1000ms) must be at least its initial (2000ms)');
    });
  });
});
