import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { requireTool, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { etcdserverpb } from '@coreos-ts/proto';
import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { Etcd3 } from 'etcd3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, kvdBackend, requireKvdBuilt } from './backends.js';

// Auth with etcdctl 3.4 and the npm etcd3 client, the same tests against etcd and kvd.

describe.each(backends)('auth against a 3-member $name cluster', (backend) => {
  let cluster: RunningCluster;
  const run = (args: string[], input?: string) =>
    spawnSync(
      requireTool('etcdctl', 'apt-get install etcd-client'),
      [`--endpoints=${cluster.endpoints.join(',')}`, ...args],
      {
        env: { ...process.env, ETCDCTL_API: '3' },
        encoding: 'utf8',
        input,
        timeout: 30_000,
      },
    );
  const ok = (args: string[], input?: string) => {
    const r = run(args, input);
    if (r.status !== 0) throw new Error(`etcdctl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const alice = ['--user=alice:alicepw'];

  beforeAll(async () => {
    if (backend === kvdBackend) requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: backend.binary, args: ['--auth-token-ttl=1'] });
    ok(['user', 'add', 'root:rootpw']);
    ok(['user', 'grant-role', 'root', 'root']);
    ok(['role', 'add', 'app']);
    ok(['role', 'grant-permission', 'app', 'readwrite', '/app/', '--prefix=true']);
    ok(['user', 'add', 'alice:alicepw']);
    ok(['user', 'grant-role', 'alice', 'app']);
    expect(ok(['auth', 'enable'])).toBe('Authentication Enabled\n');
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('reads and writes within the role, refused outside it (Range, Put, Txn)', () => {
    expect(ok([...alice, 'put', '/app/x', '1'])).toBe('OK\n');
    expect(ok([...alice, 'get', '/app/x', '--print-value-only'])).toBe('1\n');
    const put = run([...alice, 'put', '/other', 'y']);
    expect(put.status).not.toBe(0);
    expect(put.stderr).toContain('etcdserver: permission denied');
    const get = run([...alice, 'get', '/other']);
    expect(get.stderr).toContain('etcdserver: permission denied');
    const txn = run([...alice, 'txn'], 'value("/app/x") = "1"\n\nput /other z\n\n\n');
    expect(txn.stderr).toContain('etcdserver: permission denied');
    expect(ok(['--user=root:rootpw', 'get', '/other'])).toBe('');
  });

  it('refuses a watch outside the role', async () => {
    const child: ChildProcess = spawn(
      requireTool('etcdctl', 'apt-get install etcd-client'),
      [`--endpoints=${cluster.endpoints[0]}`, ...alice, 'watch', '/other'],
      { env: { ...process.env, ETCDCTL_API: '3' } },
    );
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      await waitUntil('the watch to be refused', async () => out.includes('permission denied'), { timeoutMs: 10_000 });
    } finally {
      child.kill();
    }
  });

  it("gives etcd's messages for a wrong password and an expired token", async () => {
    const wrong = run(['--user=alice:nope', 'get', '/app/x']);
    expect(wrong.stderr).toContain('etcdserver: authentication failed, invalid user ID or password');
    const target = new URL(cluster.endpoints[0] as string).host;
    const auth = new etcdserverpb.AuthClient(target, credentials.createInsecure());
    const kv = new etcdserverpb.KVClient(target, credentials.createInsecure());
    try {
      const { token } = await new Promise<etcdserverpb.AuthenticateResponse>((resolve, reject) =>
        auth.authenticate({ name: 'alice', password: 'alicepw' }, (err, r) => (err || !r ? reject(err) : resolve(r))),
      );
      const md = new Metadata();
      md.set('token', token);
      const range = () =>
        new Promise<ServiceError | undefined>((resolve) =>
          kv.range(etcdserverpb.RangeRequest.fromPartial({ key: Buffer.from('/app/x') }), md, (err) =>
            resolve(err ?? undefined),
          ),
        );
      expect(await range()).toBeUndefined();
      // --auth-token-ttl=1 counts idle time (every use renews a token): leave it unused for a
      // while; expiry is time passing, there is no event to wait for
      await new Promise((r) => setTimeout(r, 3000));
      expect((await range())?.details).toBe('etcdserver: invalid auth token');
    } finally {
      auth.close();
      kv.close();
    }
  });

  it("serves the etcd3 client's user, role and permission operations", async () => {
    const client = new Etcd3({ hosts: cluster.endpoints, auth: { username: 'root', password: 'rootpw' } });
    try {
      const role = await client.role('reader').create();
      await role.grant({ permission: 'Read', range: client.range({ prefix: '/app/' }) });
      const user = await client.user('bob').create('bobpw');
      await user.addRole('reader');
      expect((await user.roles()).map((r) => r.name)).toEqual(['reader']);
      expect((await client.getUsers()).map((u) => u.name).sort()).toEqual(['alice', 'bob', 'root']);
      const bob = new Etcd3({ hosts: cluster.endpoints, auth: { username: 'bob', password: 'bobpw' } });
      try {
        expect(await bob.get('/app/x').string()).toBe('1');
        await expect(bob.put('/app/y').value('no')).rejects.toThrow(/permission denied/);
      } finally {
        bob.close();
      }
    } finally {
      client.close();
    }
  });
});
