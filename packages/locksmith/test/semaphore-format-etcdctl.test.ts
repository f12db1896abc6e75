import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { semaphoreKey } from '../src/semaphore/keys.js';
import { KvSemaphoreStore } from '../src/store/kv-semaphore-store.js';
import { kvBackends, requireBackend } from './kv-backends.js';

const run = promisify(execFile);

/** What the real etcdctl reads under `key`: the stored bytes exactly (it appends one newline). */
async function etcdctlGet(endpoints: string[], key: string): Promise<string> {
  const { stdout } = await run('etcdctl', ['--endpoints', endpoints.join(','), 'get', key, '--print-value-only'], {
    env: { ...process.env, ETCDCTL_API: '3' },
    encoding: 'buffer',
  });
  const text = stdout.toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1);
}

describe.each(kvBackends)('the stored semaphore, read back with etcdctl, on $name', (backend) => {
  let cluster: RunningCluster;
  let kv: KvClient;
  let client: SemaphoreClient;

  beforeAll(async () => {
    requireTool('etcdctl', 'apt-get install etcd-client');
    requireBackend(backend);
    cluster = await startCluster({ size: 1, binary: backend.binary });
    kv = new KvClient({ endpoints: cluster.endpoints });
    client = new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) });
  });

  afterAll(async () => {
    kv?.close();
    await cluster?.stop();
  });

  it("matches locksmith's bytes after every step of a sequence of operations", async () => {
    const key = semaphoreKey();
    const steps: [string, () => Promise<unknown>, string][] = [
      ['first read creates it', () => client.status(), '{"semaphore":1,"max":1,"holders":null}'],
      ['set-max 3', () => client.setMax(3), '{"semaphore":3,"max":3,"holders":null}'],
      ['lock m2', () => client.lock('m2'), '{"semaphore":2,"max":3,"holders":["m2"]}'],
      [
        'lock an id Go escapes',
        () => client.lock('m1<&>'),
        '{"semaphore":1,"max":3,"holders":["m1\\u003c\\u0026\\u003e","m2"]}',
      ],
      [
        'lock a non-ASCII id (sorted by bytes)',
        () => client.lock('é'),
        '{"semaphore":0,"max":3,"holders":["m1\\u003c\\u0026\\u003e","m2","é"]}',
      ],
      [
        'set-max 1 below the holders',
        () => client.setMax(1),
        '{"semaphore":-2,"max":1,"holders":["m1\\u003c\\u0026\\u003e","m2","é"]}',
      ],
      ['unlock m2', () => client.unlock('m2'), '{"semaphore":-1,"max":1,"holders":["m1\\u003c\\u0026\\u003e","é"]}'],
      ['unlock é', () => client.unlock('é'), '{"semaphore":0,"max":1,"holders":["m1\\u003c\\u0026\\u003e"]}'],
      ['unlock the last holder', () => client.unlock('m1<&>'), '{"semaphore":1,"max":1,"holders":[]}'],
    ];
    for (const [what, operation, expected] of steps) {
      await operation();
      expect(await etcdctlGet(cluster.endpoints, key), what).toBe(expected);
    }
  });

  it('a group semaphore lives under its escaped key', async () => {
    await client.lock('m1', 'prod/database');
    const key = 'coreos.com/updateengine/rebootlock/groups/prod%2Fdatabase/semaphore';
    expect(semaphoreKey('prod/database')).toBe(key);
    expect(await etcdctlGet(cluster.endpoints, key)).toBe('{"semaphore":0,"max":1,"holders":["m1"]}');
  });

  it('a value written with etcdctl, as locksmith would, is read and changed in place', async () => {
    const key = semaphoreKey('handwritten');
    await run(
      'etcdctl',
      ['--endpoints', cluster.endpoints.join(','), 'put', key, '{"semaphore":2,"max":2,"holders":[]}'],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
      },
    );
    await client.lock('m9', 'handwritten');
    expect(await etcdctlGet(cluster.endpoints, key)).toBe('{"semaphore":1,"max":2,"holders":["m9"]}');
  });
});
