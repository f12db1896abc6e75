import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

const dir = mkdtempSync(join(tmpdir(), 'kvd-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => requireKvdBuilt());

function kvdSync(args: string[]) {
  return spawnSync(kvdBackend.binary, args, { encoding: 'utf8', timeout: 20_000 });
}

async function member(name: string, dataDir: string) {
  const client = `http://127.0.0.1:${await freePort()}`;
  const peer = `http://127.0.0.1:${await freePort()}`;
  const metrics = `http://127.0.0.1:${await freePort()}`;
  const args = [
    `--name=${name}`,
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=${name}=${peer}`,
    `--listen-metrics-urls=${metrics}`,
  ];
  return { client, metrics, args };
}

async function serve(args: string[], client: string): Promise<ChildProcess> {
  const child = spawn(kvdBackend.binary, args, { stdio: 'ignore' });
  const c = new KvClient({ endpoints: [client], callTimeoutMs: 1000 });
  try {
    await waitUntil('kvd to serve', async () => (await c.maintenance.status()).leader !== 0n, { timeoutMs: 20_000 });
  } finally {
    c.close();
  }
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('kvd command line', () => {
  it('refuses an unknown flag, naming it, with exit code 2', () => {
    const r = kvdSync(['--no-such-flag']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--no-such-flag');
  });

  it('refuses invalid values and broken relationships, naming the flag, with exit code 2', () => {
    const bad = kvdSync(['--heartbeat-interval=abc']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--heartbeat-interval');
    const relation = kvdSync(['--heartbeat-interval=100', '--election-timeout=200', `--data-dir=${join(dir, 'x')}`]);
    expect(relation.status).toBe(2);
    expect(relation.stderr).toContain('--election-timeout (200ms) must be at least 5x --heartbeat-interval (100ms)');
    const cluster = kvdSync(['--name=a', '--initial-cluster=b=http://127.0.0.1:1', `--data-dir=${join(dir, 'y')}`]);
    expect(cluster.status).toBe(2);
    expect(cluster.stderr).toContain('--initial-cluster has no member named "a"');
    const tls = kvdSync(['--listen-client-urls=https://127.0.0.1:1', `--data-dir=${join(dir, 'z')}`]);
    expect(tls.status).toBe(2);
    expect(tls.stderr).toContain(
      '--listen-client-urls has https://127.0.0.1:1 (https) but --cert-file/--key-file are not set',
    );
  });

  it('serves /metrics and /health on --listen-metrics-urls', async () => {
    const m = await member('metrics', join(dir, 'metrics'));
    const child = await serve(m.args, m.client);
    try {
      const c = new KvClient({ endpoints: [m.client] });
      await c.put('k', 'v');
      c.close();
      const health = await fetch(`${m.metrics}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ health: 'true' });
      const text = await (await fetch(`${m.metrics}/metrics`)).text();
      expect(text).toMatch(/grpc_server_handled_total\{method="\/etcdserverpb.KV\/Put",code="OK"\} [1-9]/);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('refuses a data dir whose WAL is gone or corrupt before its tail, never starting empty', async () => {
    const dataDir = join(dir, 'corrupt');
    const m = await member('corrupt', dataDir);
    const child = await serve(m.args, m.client);
    const c = new KvClient({ endpoints: [m.client] });
    for (let i = 0; i < 20; i++) await c.put(`k${i}`, 'v'.repeat(100));
    c.close();
    child.kill('SIGKILL');
    await exited(child);

    // a flipped byte early in the first segment: refuse, do not truncate
    const walDir = join(dataDir, 'member', 'wal');
    const segment = join(
      walDir,
      readdirSync(walDir)
        .filter((n) => n.endsWith('.wal'))
        .sort()[0] as string,
    );
    const original = readFileSync(segment);
    const damaged = Buffer.from(original);
    const at = damaged.indexOf(Buffer.from('v'.repeat(100)));
    expect(at).toBeGreaterThan(0);
    damaged[at] = 'w'.charCodeAt(0);
    writeFileSync(segment, damaged);
    const corrupt = kvdSync(m.args);
    expect(corrupt.status).toBe(1);
    expect(corrupt.stderr).toMatch(/cannot start: .*wal/i);

    // no WAL at all beside a database with data: refuse too
    rmSync(walDir, { recursive: true, force: true });
    const noWal = kvdSync(m.args);
    expect(noWal.status).toBe(1);
    expect(noWal.stderr).toContain('the database has data but there is no write-ahead log');
  }, 60_000);
});
