import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool } from '@coreos-ts/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KvClient, NoSpaceError } from '../src/index.js';
import { type RunningCluster, startCluster } from '../src/testing/index.js';
import { backends } from './backends.js';
import { within } from './helpers.js';
import { etcdctl, etcdctlProcess, kvctl } from './kvctl-helpers.js';

describe.each(backends)('kvctl against $name, compared with etcdctl', (backend) => {
  let cluster: RunningCluster;
  let one: string;
  let all: string;
  let dir: string;

  beforeAll(async () => {
    requireTool('etcdctl', 'apt-get install etcd-client');
    cluster = await startCluster({ size: 3, binary: backend.binary, args: backend.args ?? [] });
    one = `--endpoints=${cluster.endpoints[0]}`;
    all = `--endpoints=${cluster.endpoints.join(',')}`;
    dir = mkdtempSync(join(tmpdir(), 'kvctl-test-'));
  });

  afterAll(async () => {
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('put and get print what etcdctl prints (simple, flags, json)', async () => {
    expect(await kvctl([all, 'put', 'cmp/b', 'two'])).toEqual({ code: 0, out: 'OK\n', err: '' });
    await kvctl([all, 'put', 'cmp/a', 'three words here']);
    await kvctl([all, 'put', 'cmp/c', '1']);
    const prev = await kvctl([all, 'put', 'cmp/c', '2', '--prev-kv']);
    expect(prev.out).toBe('OK\ncmp/c\n1\n');
    const variants = [
      ['get', 'cmp/', '--prefix'],
      ['get', 'cmp/a'],
      ['get', 'cmp/', '--prefix', '--print-value-only'],
      ['get', 'cmp/', '--prefix', '--keys-only'],
      ['get', 'cmp/', '--prefix', '--limit=2'],
      ['get', 'cmp/', '--prefix', '--sort-by=VALUE', '--order=DESCEND'],
      ['get', 'cmp/b', '--from-key'],
      ['get', 'cmp/a', 'cmp/c'],
      ['get', 'nothing-here'],
      ['get', 'cmp/', '--prefix', '-w', 'json'],
      ['get', 'cmp/a', '-w', 'json'],
      ['get', 'cmp/', '--prefix', '--keys-only', '--limit=1', '-w', 'json'],
      ['get', 'nothing-here', '-w', 'json'],
    ];
    for (const args of variants) {
      const ours = await kvctl([one, ...args]);
      const theirs = await etcdctl([one, ...args]);
      expect({ args, ...ours }).toEqual({ args, code: theirs.code, out: theirs.out, err: '' });
    }
    const rev = (await kvctl([one, 'get', 'cmp/b', '-w', 'json'])).out.match(/"mod_revision":(\d+)/)?.[1];
    const atRev = ['get', 'cmp/', '--prefix', `--rev=${rev}`];
    expect((await kvctl([one, ...atRev])).out).toBe((await etcdctl([one, ...atRev])).out);
    expect((await kvctl([one, 'get', 'cmp/', '--prefix', '--count-only'])).out).toBe('3\n');
    const fromEnv = await kvctl(['get', 'cmp/a'], {
      env: { ETCDCTL_ENDPOINTS: cluster.endpoints[0], ETCDCTL_WRITE_OUT: 'json' },
    });
    expect(fromEnv.out).toBe((await etcdctl([one, 'get', 'cmp/a', '-w', 'json'])).out);
  });

  it('reports errors like etcdctl: message and exit code', async () => {
    const future = await kvctl([one, 'get', 'cmp/a', '--rev=999999']);
    const theirs = await etcdctl([one, 'get', 'cmp/a', '--rev=999999']);
    expect(future.code).toBe(theirs.code);
    expect(future.err).toBe('Error: etcdserver: mvcc: required revision is a future revision\n');
    expect(theirs.err).toContain('Error: etcdserver: mvcc: required revision is a future revision');
    const table = await kvctl([one, 'get', 'cmp/a', '-w', 'table']);
    expect(table.code).toBe((await etcdctl([one, 'get', 'cmp/a', '-w', 'table'])).code);
    expect(table.err).toBe('Error: table not supported as output format\n');
    const unknown = await kvctl([one, 'lease', 'revoke', '1234abcd']);
    expect(unknown).toMatchObject({
      code: 1,
      err: 'Error: failed to revoke lease (etcdserver: requested lease not found)\n',
    });
    const started = Date.now();
    const dead = await kvctl([
      `--endpoints=127.0.0.1:${await freePort()}`,
      '--dial-timeout=200ms',
      '--command-timeout=500ms',
      'get',
      'k',
    ]);
    expect(dead.code).toBe(1);
    expect(dead.err).toMatch(/^Error: no endpoint answered within 500 ms/);
    expect(Date.now() - started).toBeLessThan(2_000);
    const badFlag = await kvctl([one, 'get', 'k', '--no-such-flag']);
    expect(badFlag.code).toBe(128);
    expect(badFlag.err).toMatch(/unknown option '--no-such-flag'/);
    const restore = await kvctl([one, 'snapshot', 'restore', join(dir, 'x.db')]);
    expect(restore.code).toBe(1);
    expect(restore.err).toMatch(/^Error: snapshot restore: ENOENT/);
  });

  it('del and txn print what etcdctl prints', async () => {
    const input = 'value("tx/k") = "v1"\n\nput tx/k v2\nget tx/k\n\nput tx/other "a b"\nget tx/other\n\n';
    const reset = async () => {
      await kvctl([all, 'del', 'tx/', '--prefix']);
      await kvctl([all, 'put', 'tx/k', 'v1']);
    };
    await reset();
    const oursHit = await kvctl([one, 'txn'], { stdin: input });
    await reset();
    const theirsHit = await etcdctl([one, 'txn'], { stdin: input });
    expect(oursHit.out).toBe(theirsHit.out);
    expect(oursHit.out.startsWith('SUCCESS\n')).toBe(true);
    const oursMiss = await kvctl([one, 'txn'], { stdin: input });
    await kvctl([all, 'put', 'tx/k', 'v2']);
    const theirsMiss = await etcdctl([one, 'txn'], { stdin: input });
    expect(oursMiss.out).toBe(theirsMiss.out);
    expect(oursMiss.out).toBe('FAILURE\n\nOK\n\ntx/other\na b\n');
    const cmpInput = 'mod("tx/k") > "0"\nversion("tx/k") > "0"\ncreate("tx/k") > "0"\n\ndel tx/k\n\n\n';
    const json = await kvctl([one, 'txn', '-w', 'json'], { stdin: cmpInput });
    expect(json.out).toMatch(
      /^\{"header":\{"cluster_id":\d+,"member_id":\d+,"revision":\d+,"raft_term":\d+\},"succeeded":true,"responses":\[\{"Response":\{"ResponseDeleteRange":\{"header":\{"revision":\d+\},"deleted":1\}\}\}\]\}\n$/,
    );
    await kvctl([all, 'put', 'tx/a', '1']);
    await kvctl([all, 'put', 'tx/b', '2']);
    const ours = await kvctl([one, 'del', 'tx/', '--prefix', '--prev-kv']);
    expect(ours.out).toBe('3\ntx/a\n1\ntx/b\n2\ntx/other\na b\n');
    expect((await kvctl([one, 'del', 'tx/none'])).out).toBe((await etcdctl([one, 'del', 'tx/none'])).out);
  });

  it('lease commands print etcdctl formats', async () => {
    const grant = await kvctl([one, 'lease', 'grant', '100']);
    const id = grant.out.match(/^lease ([0-9a-f]{16}) granted with TTL\(100s\)\n$/)?.[1];
    expect(id, grant.out).toBeDefined();
    await kvctl([one, 'put', 'ls/k', 'v', `--lease=${id}`]);
    const ours = await kvctl([one, 'lease', 'timetolive', id!, '--keys']);
    const theirs = await etcdctl([one, 'lease', 'timetolive', id!, '--keys']);
    expect(ours.out.replace(/remaining\(\d+s\)/, 'remaining(N)')).toBe(
      theirs.out.replace(/remaining\(\d+s\)/, 'remaining(N)'),
    );
    expect((await kvctl([one, 'lease', 'list'])).out).toBe((await etcdctl([one, 'lease', 'list'])).out);
    expect((await kvctl([one, 'lease', 'keep-alive', '--once', id!])).out).toBe(
      `lease ${id} keepalived with TTL(100)\n`,
    );
    expect((await kvctl([one, 'lease', 'revoke', id!])).out).toBe(`lease ${id} revoked\n`);
    expect((await kvctl([one, 'get', 'ls/k'])).out).toBe('');
    expect((await kvctl([one, 'lease', 'timetolive', id!])).out).toBe(
      (await etcdctl([one, 'lease', 'timetolive', id!])).out,
    );
  });

  it('member list and endpoint status/health match etcdctl layouts', async () => {
    for (const format of ['simple', 'table']) {
      const ours = await kvctl([all, 'member', 'list', '-w', format]);
      const theirs = await etcdctl([all, 'member', 'list', '-w', format]);
      expect(ours.out).toBe(theirs.out);
    }
    const ours = await kvctl([all, 'endpoint', 'status', '-w', 'table']);
    const theirs = await etcdctl([all, 'endpoint', 'status', '-w', 'table']);
    const cells = (text: string) =>
      text
        .trimEnd()
        .split('\n')
        .map((line) =>
          line.startsWith('+')
            ? ['rule']
            : line
                .split('|')
                .slice(1, -1)
                .map((c) => c.trim()),
        );
    const varying = new Set([3, 7, 8]); // db size, raft index, raft applied index
    const mask = (rows: string[][]) =>
      rows.map((row, r) => (r <= 2 ? row : row.map((c, i) => (varying.has(i) ? '*' : c))));
    expect(mask(cells(ours.out))).toEqual(mask(cells(theirs.out)));
    expect(cells(ours.out)[1]).toEqual([
      'ENDPOINT',
      'ID',
      'VERSION',
      'DB SIZE',
      'IS LEADER',
      'IS LEARNER',
      'RAFT TERM',
      'RAFT INDEX',
      'RAFT APPLIED INDEX',
      'ERRORS',
    ]);
    const lines = ours.out.trimEnd().split('\n');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines).toHaveLength(3 + cluster.endpoints.length + 1);
    const simple = await kvctl([all, 'endpoint', 'status']);
    const etcdSimple = await etcdctl([all, 'endpoint', 'status']);
    const maskSimple = (t: string) =>
      t.split('\n').map((l) =>
        l
          .split(', ')
          .map((c, i) => (varying.has(i) ? '*' : c))
          .join(', '),
      );
    expect(maskSimple(simple.out)).toEqual(maskSimple(etcdSimple.out));
    const json = await kvctl([one, 'endpoint', 'status', '-w', 'json']);
    expect(json.out).toMatch(
      /^\[\{"Endpoint":"[^"]+","Status":\{"header":\{"cluster_id":\d+,"member_id":\d+,"revision":\d+,"raft_term":\d+\},"version":"[^"]+","dbSize":\d+,"leader":\d+,"raftIndex":\d+,"raftTerm":\d+,"raftAppliedIndex":\d+(,"dbSizeInUse":\d+)?\}\}\]\n$/,
    );
    const health = await kvctl([all, 'endpoint', 'health', '--cluster']);
    expect(health.code).toBe(0);
    expect(health.err.trimEnd().split('\n')).toHaveLength(3);
    expect(health.err).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+ is healthy: successfully committed proposal: took = [\d.]+(ns|µs|ms|s)\n/,
    );
  });

  it('watch prints the events etcdctl prints, in both formats', async () => {
    const start = await kvctl([one, 'put', 'wt/a', '1']);
    expect(start.code).toBe(0);
    await kvctl([one, 'put', 'wt/a', '2']);
    await kvctl([one, 'del', 'wt/a']);
    const rev = (await kvctl([one, 'get', 'wt/', '--prefix', '-w', 'json'])).out.match(/"revision":(\d+)/)?.[1];
    const from = String(Number(rev) - 2);
    for (const format of ['simple', 'json']) {
      const args = [one, 'watch', 'wt/', '--prefix', '--prev-kv', `--rev=${from}`, '-w', format];
      const theirs = etcdctlProcess(args);
      const expectedEnd = format === 'simple' ? 'DELETE\n' : '"type":1';
      await within(10_000, 'etcdctl watch output', theirs.contains(expectedEnd));
      // the delete event is the last of three; give its trailing lines a moment to arrive in the same write
      theirs.child.kill('SIGINT');
      const stop = new AbortController();
      let ours = '';
      const running = (async () => {
        const { runKvctl } = await import('../src/bin/kvctl-program.js');
        return runKvctl(args, {
          out: (t) => {
            ours += t;
            if (ours.split('\n').length > theirs.output().split('\n').length - 1) stop.abort();
          },
          err: () => {},
          readStdin: async () => '',
          env: {},
          interrupt: stop.signal,
        });
      })();
      expect(await within(10_000, 'kvctl watch to end', running)).toBe(5);
      expect(ours).toBe(theirs.output());
    }
  });

  it('compaction, defrag and snapshot save work, and etcdctl reads the snapshot', async () => {
    const put = await kvctl([one, 'put', 'snap/k', 'v', '-w', 'json']);
    const rev = put.out.match(/"revision":(\d+)/)?.[1];
    expect(await kvctl([one, 'compaction', rev!, '--physical'])).toEqual({
      code: 0,
      out: `compacted revision ${rev}\n`,
      err: '',
    });
    const again = await kvctl([one, 'compaction', rev!]);
    expect(again).toMatchObject({ code: 1, err: 'Error: etcdserver: mvcc: required revision has been compacted\n' });
    expect((await kvctl([all, 'defrag'])).out).toBe(
      cluster.endpoints.map((e) => `Finished defragmenting etcd member[${e}]\n`).join(''),
    );
    const file = join(dir, 'snap.db');
    expect(await kvctl([one, 'snapshot', 'save', file])).toEqual({
      code: 0,
      out: `Snapshot saved at ${file}\n`,
      err: '',
    });
    expect(statSync(file).size).toBeGreaterThan(0);
    if (backend.bboltSnapshots) {
      const status = await etcdctl(['snapshot', 'status', file, '-w', 'json']);
      expect(status.code).toBe(0);
      expect(Number(status.out.match(/"revision":(\d+)/)?.[1])).toBeGreaterThanOrEqual(Number(rev));
      for (const format of ['simple', 'json', 'table']) {
        const ours = await kvctl(['snapshot', 'status', file, '-w', format]);
        const theirs = await etcdctl(['snapshot', 'status', file, '-w', format]);
        expect({ format, out: ours.out }).toEqual({ format, out: theirs.out });
      }
    }
    expect((await kvctl([all, 'snapshot', 'save', file])).code).toBe(128);
    const notSnapshot = await kvctl(['snapshot', 'status', join(dir, 'snap.db.part-missing')]);
    expect(notSnapshot.code).toBe(1);
  });

  it('lock runs a command while holding the lock; elect prints the leader', async () => {
    const lock = await kvctl([all, 'lock', 'cl/lock', '--', 'sh', '-c', 'echo "$ETCD_LOCK_KEY"']);
    expect(lock.code).toBe(0);
    expect(lock.out).toMatch(/^cl\/lock\/[0-9a-f]+\n$/);
    const failing = await kvctl([all, 'lock', 'cl/lock', '--', 'sh', '-c', 'exit 3']);
    expect(failing).toMatchObject({ code: 1, err: 'Error: exit status 3\n' });
    const stop = new AbortController();
    let out = '';
    let elected: () => void = () => {};
    const won = new Promise<void>((r) => {
      elected = r;
    });
    const { runKvctl } = await import('../src/bin/kvctl-program.js');
    const running = runKvctl([all, 'elect', 'cl/el', 'p1'], {
      out: (t) => {
        out += t;
        elected();
      },
      err: () => {},
      readStdin: async () => '',
      env: {},
      interrupt: stop.signal,
    });
    await within(10_000, 'elected', won);
    expect(out).toMatch(/^cl\/el\/[0-9a-f]+\np1\n$/);
    const listener = etcdctlProcess([all, 'elect', '-l', 'cl/el']);
    await within(10_000, 'etcdctl sees our proposal', listener.contains('p1\n'));
    expect(listener.output()).toBe(out);
    stop.abort();
    expect(await within(10_000, 'elect to end', running)).toBe(0);
    listener.child.kill('SIGKILL');
    expect((await kvctl([all, 'get', 'cl/el/', '--prefix'])).out).toBe('');
  });

  it('member add, promote and remove print etcdctl formats', async () => {
    const peer = `http://127.0.0.1:${await freePort()}`;
    // etcd refuses reconfiguration until its members have been connected for 5 s ("unhealthy cluster"):
    // poll that precondition, bounded, rather than assume how long ago the cluster started
    const add = () => kvctl([all, 'member', 'add', 'newbie', `--peer-urls=${peer}`, '--learner']);
    let added = await add();
    const deadline = Date.now() + 10_000;
    while (added.err === 'Error: etcdserver: unhealthy cluster\n' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      added = await add();
    }
    expect(added.err).toBe('');
    expect(added.code).toBe(0);
    const match = added.out.match(/^Member ([0-9a-f ]{16}) added to cluster ([0-9a-f ]{16})\n\n/);
    expect(match, added.out).not.toBeNull();
    const id = match![1]!.trim();
    const initial = cluster.members.map((m) => `${m.name}=${m.peerUrl}`);
    expect(added.out).toContain(`ETCD_NAME="newbie"\n`);
    expect(added.out).toContain(`ETCD_INITIAL_ADVERTISE_PEER_URLS="${peer}"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`);
    for (const entry of [...initial, `newbie=${peer}`]) expect(added.out).toContain(entry);
    for (const format of ['simple', 'table', 'json']) {
      const ours = await kvctl([one, 'member', 'list', '-w', format]);
      const theirs = await etcdctl([one, 'member', 'list', '-w', format]);
      expect(ours.out).toBe(theirs.out);
    }
    expect((await kvctl([one, 'member', 'list'])).out).toContain(`${id}, unstarted, , ${peer}, , true\n`);
    const promote = await kvctl([all, 'member', 'promote', id]);
    expect(promote.code).toBe(1);
    expect(promote.err).toMatch(/^Error: etcdserver: can only promote a learner member/);
    const removed = await kvctl([all, 'member', 'remove', id]);
    expect(removed.out).toBe(`Member ${id.padStart(16, ' ')} removed from cluster ${match![2]}\n`);
    expect((await kvctl([one, 'member', 'list'])).out).not.toContain(id);
  });

  it('move-leader transfers leadership and prints what etcdctl prints', async () => {
    const status = async () =>
      JSON.parse((await kvctl([all, 'endpoint', 'status', '-w', 'json'])).out.replace(/(\d{16,})/g, '"$1"'));
    const before: { Status: { leader: string; header: { member_id: string } } }[] = await status();
    const leader = BigInt(before[0]!.Status.leader);
    const follower = BigInt(before.find((s) => BigInt(s.Status.header.member_id) !== leader)!.Status.header.member_id);
    const ours = await kvctl([all, 'move-leader', follower.toString(16)]);
    expect(ours).toEqual({
      code: 0,
      out: `Leadership transferred from ${leader.toString(16)} to ${follower.toString(16)}\n`,
      err: '',
    });
    const theirs = await etcdctl([all, 'move-leader', leader.toString(16)]);
    expect(theirs.out).toBe(`Leadership transferred from ${follower.toString(16)} to ${leader.toString(16)}\n`);
  });

  it('endpoint hashkv and alarm list/disarm print what etcdctl prints; NOSPACE refuses writes', async () => {
    for (const format of ['simple', 'table', 'json']) {
      const ours = await kvctl([all, 'endpoint', 'hashkv', '-w', format]);
      const theirs = await etcdctl([all, 'endpoint', 'hashkv', '-w', format]);
      expect({ format, out: ours.out }).toEqual({ format, out: theirs.out });
    }
    expect((await kvctl([all, 'alarm', 'list'])).out).toBe('');
    const client = new KvClient({ endpoints: cluster.endpoints });
    try {
      const status = await client.maintenance.status();
      await client.maintenance.alarmActivate(status.header.memberId, 'nospace');
      const refused = await client.put('alarm/k', 'v').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(NoSpaceError);
      for (const format of ['simple', 'json']) {
        const ours = await kvctl([all, 'alarm', 'list', '-w', format]);
        const theirs = await etcdctl([all, 'alarm', 'list', '-w', format]);
        expect({ format, out: ours.out }).toEqual({ format, out: theirs.out });
      }
      expect((await kvctl([all, 'alarm', 'list'])).out).toBe(`memberID:${status.header.memberId} alarm:NOSPACE \n`);
      expect((await kvctl([all, 'alarm', 'disarm'])).out).toBe(`memberID:${status.header.memberId} alarm:NOSPACE \n`);
      expect((await kvctl([all, 'alarm', 'list'])).out).toBe('');
      await client.put('alarm/k', 'v');
    } finally {
      client.close();
    }
  });
});
