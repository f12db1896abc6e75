import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '@coreos-ts/grpc-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthFailedError, KvClient, KvError, PermissionDeniedError, UnavailableError } from '../src/index.js';
import {
  makeTestCertificates,
  type RunningCluster,
  startCluster,
  type TestCertificates,
} from '../src/testing/index.js';

import { backends } from './backends.js';
import { collectUntil, within } from './helpers.js';
import { kvctl } from './kvctl-helpers.js';

function recordingLogger(messages: string[]): Logger {
  const logger: Logger = {
    debug: (_f, m) => messages.push(m),
    info: (_f, m) => messages.push(m),
    warn: (_f, m) => messages.push(m),
    error: (_f, m) => messages.push(m),
    child: () => logger,
  };
  return logger;
}

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
}

describe.each(backends)('auth against $name', (backend) => {
  let cluster: RunningCluster;
  let admin: KvClient;

  beforeAll(async () => {
    cluster = await startCluster({ size: 1, binary: backend.binary, args: backend.args ?? [] });
    admin = new KvClient({ endpoints: cluster.endpoints });
    await admin.auth.roleAdd('root');
    await admin.auth.userAdd('root', 'rootpw');
    await admin.auth.userGrantRole('root', 'root');
    await admin.auth.roleAdd('app-rw');
    await admin.auth.roleGrantPermission('app-rw', { type: 'readwrite', key: 'app/', prefix: true });
    await admin.auth.userAdd('alice', 'alicepw');
    await admin.auth.userGrantRole('alice', 'app-rw');
    await admin.auth.enable();
    admin.close();
  });

  afterAll(async () => {
    await cluster?.stop();
  });

  it('sends the token on every call, enforces permissions, and re-authenticates after the token is invalidated', async () => {
    const messages: string[] = [];
    const alice = new KvClient({
      endpoints: cluster.endpoints,
      auth: { user: 'alice', password: 'alicepw' },
      logger: recordingLogger(messages),
    });
    try {
      await alice.put('app/x', '1');
      expect(await alice.getString('app/x')).toBe('1');
      expect(await failureOf(alice.put('other/x', '1'))).toBeInstanceOf(PermissionDeniedError);
      const watcher = alice.watch('app/', { prefix: true });
      await within(5_000, 'watch created', watcher.created);
      await alice.put('app/y', '2');
      const events = await within(
        5_000,
        'watch event',
        collectUntil(watcher, (e) => e.length >= 1),
      );
      expect(events[0]?.kv.keyString).toBe('app/y');
      watcher.cancel();
      expect(messages.filter((m) => m === 'authenticated')).toHaveLength(1);
      // turning auth off and on drops every token the server handed out
      const root = new KvClient({ endpoints: cluster.endpoints, auth: { user: 'root', password: 'rootpw' } });
      const anonymous = new KvClient({ endpoints: cluster.endpoints });
      try {
        await root.auth.disable();
        await anonymous.auth.enable();
      } finally {
        root.close();
        anonymous.close();
      }
      expect(await alice.getString('app/x')).toBe('1');
      expect(messages).toContain('auth token rejected; re-authenticating');
      expect(messages.filter((m) => m === 'authenticated')).toHaveLength(2);
    } finally {
      alice.close();
    }
  });

  it('rejects a wrong password with AuthFailedError and anonymous calls with a typed error', async () => {
    const wrong = new KvClient({ endpoints: cluster.endpoints, auth: { user: 'alice', password: 'nope' } });
    const anonymous = new KvClient({ endpoints: cluster.endpoints });
    try {
      const err = await failureOf(wrong.get('app/x'));
      expect(err).toBeInstanceOf(AuthFailedError);
      expect((err as Error).message).toBe('etcdserver: authentication failed, invalid user ID or password');
      expect(await failureOf(anonymous.get('app/x'))).toBeInstanceOf(KvError);
    } finally {
      wrong.close();
      anonymous.close();
    }
    const viaCli = await kvctl([`--endpoints=${cluster.endpoints[0]}`, '--user=alice:alicepw', 'get', 'app/x']);
    expect(viaCli).toEqual({ code: 0, out: 'app/x\n1\n', err: '' });
  });
});

describe.each(backends)('mutual TLS against $name', (backend) => {
  let cluster: RunningCluster;
  let dir: string;
  let certs: TestCertificates;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kv-tls-'));
    certs = makeTestCertificates(dir);
    cluster = await startCluster({
      size: 1,
      binary: backend.binary,
      args: backend.args ?? [],
      tls: {
        certFile: certs.serverCertFile,
        keyFile: certs.serverKeyFile,
        caFile: certs.caFile,
        clientCertAuth: true,
        clientCertFile: certs.clientCertFile,
        clientKeyFile: certs.clientKeyFile,
      },
    });
  });

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('talks TLS with a client certificate, and is refused without a trusted one', async () => {
    expect(cluster.endpoints[0]).toMatch(/^https:/);
    const good = new KvClient({
      endpoints: cluster.endpoints,
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
    });
    const noCert = new KvClient({ endpoints: cluster.endpoints, tls: { caFile: certs.caFile }, callTimeoutMs: 1_500 });
    const stranger = new KvClient({
      endpoints: cluster.endpoints,
      tls: { caFile: certs.caFile, certFile: certs.strangerCertFile, keyFile: certs.strangerKeyFile },
      callTimeoutMs: 1_500,
    });
    try {
      await good.put('tls/k', 'secret');
      expect(await good.getString('tls/k')).toBe('secret');
      expect(await failureOf(noCert.get('tls/k'))).toBeInstanceOf(UnavailableError);
      expect(await failureOf(stranger.get('tls/k'))).toBeInstanceOf(UnavailableError);
    } finally {
      good.close();
      noCert.close();
      stranger.close();
    }
    const viaCli = await kvctl([
      `--endpoints=${cluster.endpoints[0]}`,
      `--cacert=${certs.caFile}`,
      `--cert=${certs.clientCertFile}`,
      `--key=${certs.clientKeyFile}`,
      'get',
      'tls/k',
    ]);
    expect(viaCli).toEqual({ code: 0, out: 'tls/k\nsecret\n', err: '' });
  });
});
