import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, requireTool, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInitialCluster, restoreDataDir } from '../../src/index.js';
import { kvdBackend, requireKvdBuilt } from './backends.js';

const kvctlBuilt = resolve(import.meta.dirname, '../../../kv-client/dist/bin/kvctl.js');

describe('snapshot save from a running cluster, restore into a new one', () => {
  let cluster: RunningCluster;
  let restored: ChildProcess | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'kv-restore-'));

  beforeAll(async () => {
    requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: kvdBackend.binary });
  });
  afterAll(async () => {
    restored?.kill('SIGKILL');
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a new single-member cluster started from the backup serves the same keys and HashKV', async () => {
    const client = new KvClient({ endpoints: cluster.endpoints, callTimeoutMs: 5000 });
    let revision: bigint;
    let hash: number;
    try {
      for (let i = 0; i < 100; i++) await client.put(`r/${i % 30}`, `v${i}`);
      await client.delete('r/3');
      const all = await client.get('r/', { prefix: true });
      revision = all.header.revision;
      hash = (await client.maintenance.hashKv(revision, { endpoint: cluster.endpoints[0] })).hash;
    } finally {
      client.close();
    }

    const file = join(dir, 'backup.db');
    const saved = spawnSync(
      requireTool('etcdctl', 'apt-get install etcd-client'),
      [`--endpoints=${cluster.endpoints[0]}`, 'snapshot', 'save', file],
      { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' },
    );
    expect(saved.status, saved.stderr).toBe(0);

    const clientUrl = `http://127.0.0.1:${await freePort()}`;
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    const dataDir = join(dir, 'restored');
    // the CLI a user runs: kvctl snapshot restore, with etcdctl's flags
    const restoredByCli = spawnSync(
      process.execPath,
      [
        kvctlBuilt,
        'snapshot',
        'restore',
        file,
        `--data-dir=${dataDir}`,
        '--name=solo',
        `--initial-cluster=solo=${peerUrl}`,
        '--initial-cluster-token=restored',
        `--initial-advertise-peer-urls=${peerUrl}`,
      ],
      { encoding: 'utf8' },
    );
    expect(restoredByCli.status, restoredByCli.stderr).toBe(0);
    expect(restoredByCli.stdout).toContain(`restored snapshot ${file} into ${dataDir}`);
    await expect(
      restoreDataDir({
        snapshotFile: file,
        dataDir,
        name: 'solo',
        initialCluster: parseInitialCluster(`solo=${peerUrl}`),
        initialClusterToken: 'restored',
        initialAdvertisePeerUrls: [peerUrl],
      }),
    ).rejects.toThrow(/already exists/);

    restored = spawn(kvdBackend.binary, [
      '--name=solo',
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${clientUrl}`,
      `--advertise-client-urls=${clientUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=solo=${peerUrl}`,
      '--initial-cluster-token=restored',
    ]);
    const solo = new KvClient({ endpoints: [clientUrl], callTimeoutMs: 2000 });
    try {
      await waitUntil('the restored member to serve', async () => (await solo.maintenance.status()).leader !== 0n, {
        timeoutMs: 20_000,
      });
      const members = await solo.cluster.memberList();
      expect(members.members.map((m) => m.name)).toEqual(['solo']);
      const got = await solo.get('r/', { prefix: true });
      expect(got.kvs).toHaveLength(29);
      expect(got.kvs.find((kv) => kv.key.toString() === 'r/3')).toBeUndefined();
      expect((await solo.maintenance.hashKv(revision)).hash).toBe(hash);
      await solo.put('r/new', 'after restore');
      expect(await solo.getString('r/new')).toBe('after restore');
    } finally {
      solo.close();
    }
  }, 120_000);
});
