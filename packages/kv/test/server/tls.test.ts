import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { makeTestCertificates, type TestCertificates } from '@coreos-ts/kv-client/testing';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

// A 3-member kvd with TLS on both the client and the peer ports, and client certificates
// required on both: etcdctl with --cacert --cert --key works, without a certificate it is
// refused, the npm etcd3 client connects over TLS.

describe('kvd with client and peer TLS', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kvd-tls-'));
  const members: ChildProcess[] = [];
  let certs: TestCertificates;
  let endpoints: string[];

  beforeAll(async () => {
    requireKvdBuilt();
    certs = makeTestCertificates(dir);
    const specs = await Promise.all(
      ['t0', 't1', 't2'].map(async (name) => ({
        name,
        client: `https://127.0.0.1:${await freePort()}`,
        peer: `https://127.0.0.1:${await freePort()}`,
      })),
    );
    const cluster = specs.map((s) => `${s.name}=${s.peer}`).join(',');
    for (const s of specs) {
      members.push(
        spawn(
          kvdBackend.binary,
          [
            `--name=${s.name}`,
            `--data-dir=${join(dir, s.name)}`,
            `--listen-client-urls=${s.client}`,
            `--advertise-client-urls=${s.client}`,
            `--listen-peer-urls=${s.peer}`,
            `--initial-advertise-peer-urls=${s.peer}`,
            `--initial-cluster=${cluster}`,
            '--heartbeat-interval=50',
            '--election-timeout=500',
            `--cert-file=${certs.serverCertFile}`,
            `--key-file=${certs.serverKeyFile}`,
            `--trusted-ca-file=${certs.caFile}`,
            '--client-cert-auth',
            `--peer-cert-file=${certs.serverCertFile}`,
            `--peer-key-file=${certs.serverKeyFile}`,
            `--peer-trusted-ca-file=${certs.caFile}`,
            '--peer-client-cert-auth',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    endpoints = specs.map((s) => s.client);
    const client = new KvClient({
      endpoints,
      callTimeoutMs: 1000,
      tls: { caFile: certs.caFile, certFile: certs.clientCertFile, keyFile: certs.clientKeyFile },
    });
    try {
      await waitUntil(
        'the TLS cluster to elect a leader',
        async () => (await client.maintenance.status()).leader !== 0n,
        {
          timeoutMs: 30_000,
        },
      );
    } finally {
      client.close();
    }
  });
  afterAll(() => {
    for (const m of members) m.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const etcdctl = (args: string[]) =>
    spawnSync(requireTool('etcdctl', 'apt-get install etcd-client'), [`--endpoints=${endpoints.join(',')}`, ...args], {
      env: { ...process.env, ETCDCTL_API: '3' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  it('serves etcdctl with --cacert --cert --key, replicating over TLS peers', () => {
    const tls = [`--cacert=${certs.caFile}`, `--cert=${certs.clientCertFile}`, `--key=${certs.clientKeyFile}`];
    expect(etcdctl([...tls, 'put', 'secure', 'yes']).stdout).toBe('OK\n');
    expect(etcdctl([...tls, 'get', 'secure', '--print-value-only', '--consistency=l']).stdout).toBe('yes\n');
    const health = etcdctl([...tls, 'endpoint', 'health']);
    expect(health.stderr.match(/is healthy/g)).toHaveLength(3);
  });

  it('refuses a client without a certificate under --client-cert-auth', () => {
    const r = etcdctl([`--cacert=${certs.caFile}`, '--dial-timeout=2s', '--command-timeout=3s', 'get', 'secure']);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toBe('');
  });

  it('serves the npm etcd3 client over TLS', async () => {
    const client = new Etcd3({
      hosts: endpoints,
      credentials: {
        rootCertificate: readFileSync(certs.caFile),
        certChain: readFileSync(certs.clientCertFile),
        privateKey: readFileSync(certs.clientKeyFile),
      },
    });
    try {
      await client.put('from-etcd3').value('tls');
      expect(await client.get('from-etcd3').string()).toBe('tls');
    } finally {
      client.close();
    }
  });
});
