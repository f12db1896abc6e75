import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, kvdBackend, requireKvdBuilt } from './backends.js';

// The same etcdctl 3.4 session against a 3-member etcd and a 3-member kvd: etcd checks the
// suite, and a difference is a kvd bug.

const ETCDCTL = () => requireTool('etcdctl', 'apt-get install etcd-client');

function ctl(endpoints: string[], args: string[], input?: string): { out: string; err: string; code: number } {
  const r = spawnSync(ETCDCTL(), [`--endpoints=${endpoints.join(',')}`, '--command-timeout=10s', ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
    encoding: 'utf8',
    input,
    timeout: 60_000,
  });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

function ok(endpoints: string[], args: string[], input?: string): string {
  const r = ctl(endpoints, args, input);
  if (r.code !== 0) throw new Error(`etcdctl ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

/** Reads lines from a long-running etcdctl until `done` says enough, with a bound. */
function follow(
  endpoints: string[],
  args: string[],
): { child: ChildProcess; lines: string[]; until(n: number): Promise<string[]> } {
  const child = spawn(ETCDCTL(), [`--endpoints=${endpoints.join(',')}`, ...args], {
    env: { ...process.env, ETCDCTL_API: '3' },
  });
  const lines: string[] = [];
  let buffered = '';
  const waiters: (() => void)[] = [];
  child.stdout?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
    for (const w of waiters.splice(0)) w();
  });
  return {
    child,
    lines,
    until(n: number) {
      return new Promise<string[]>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${lines.length} lines: ${lines.join('|')}`)), 20_000);
        const check = () => {
          if (lines.length >= n) {
            clearTimeout(timer);
            resolve(lines.slice(0, n));
          } else waiters.push(check);
        };
        check();
      });
    },
  };
}

describe.each(backends)('etcdctl 3.4 against a 3-member $name cluster', (backend) => {
  let cluster: RunningCluster;
  let ep: string[];
  let one: string[];

  beforeAll(async () => {
    ETCDCTL();
    if (backend === kvdBackend) requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: backend.binary });
    ep = cluster.endpoints;
    one = [ep[0] as string];
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  it('put and get: prefix, from-key, limit, sort, rev, keys-only, count-only, print-value-only', () => {
    expect(ok(one, ['put', 'k/a', '1'])).toBe('OK\n');
    ok(one, ['put', 'k/b', '2']);
    ok([ep[1] as string], ['put', 'k/c', '3']);
    const rev = JSON.parse(ok(one, ['get', 'k/a', '-w', 'json'])).header.revision as number;
    ok(one, ['put', 'k/a', '10']);
    expect(ok(one, ['get', 'k/', '--prefix'])).toBe('k/a\n10\nk/b\n2\nk/c\n3\n');
    expect(ok([ep[2] as string], ['get', 'k/b', '--from-key', '--keys-only'])).toBe('k/b\n\nk/c\n\n');
    expect(ok(one, ['get', 'k/', '--prefix', '--limit=2', '--print-value-only'])).toBe('10\n2\n');
    expect(ok(one, ['get', 'k/', '--prefix', '--sort-by=VALUE', '--order=DESCEND', '--print-value-only'])).toBe(
      '3\n2\n10\n',
    );
    expect(ok(one, ['get', 'k/a', `--rev=${rev}`, '--print-value-only'])).toBe('1\n');
    // etcdctl 3.4 has no --count-only; the JSON answer carries the count of the whole range
    const count = JSON.parse(ok(one, ['get', 'k/', '--prefix', '--limit=1', '--keys-only', '-w', 'json']));
    expect(count.count).toBe(3);
    expect(count.kvs).toHaveLength(1);
    expect(count.kvs[0].value).toBeUndefined();
    const limited = JSON.parse(ok(one, ['get', 'k/', '--prefix', '--limit=1', '-w', 'json']));
    expect(limited.more).toBe(true);
    expect(Buffer.from(limited.kvs[0].key, 'base64').toString()).toBe('k/a');
    expect(limited.kvs[0].version).toBe(2);
  });

  it('del: prefix and prev-kv', () => {
    ok(one, ['put', 'd/1', 'x']);
    ok(one, ['put', 'd/2', 'y']);
    expect(ok(one, ['del', 'd/', '--prefix', '--prev-kv'])).toBe('2\nd/1\nx\nd/2\ny\n');
    expect(ok(one, ['get', 'd/', '--prefix'])).toBe('');
    expect(ok(one, ['del', 'd/nothing'])).toBe('0\n');
  });

  it('txn from interactive input, both branches', () => {
    ok(one, ['put', 't/flag', 'on']);
    const script = (value: string) => `value("t/flag") = "${value}"\n\nput t/result yes\n\nput t/result no\n\n`;
    expect(ok(one, ['txn'], script('on'))).toBe('SUCCESS\n\nOK\n');
    expect(ok(one, ['get', 't/result', '--print-value-only'])).toBe('yes\n');
    expect(ok(one, ['txn'], script('off'))).toBe('FAILURE\n\nOK\n');
    expect(ok(one, ['get', 't/result', '--print-value-only'])).toBe('no\n');
  });

  it('watch: prefix with prev-kv sees a concurrent writer; rev replays history', async () => {
    const w = follow(one, ['watch', 'w/', '--prefix', '--prev-kv']);
    try {
      // the watch is live once a write made after it started shows up; write until it does
      const first = w.until(3);
      let i = 0;
      const writer = setInterval(() => ok([ep[1] as string], ['put', 'w/probe', `${i++}`]), 200);
      await first;
      clearInterval(writer);
      const base = w.lines.length;
      ok([ep[2] as string], ['put', 'w/x', 'one']);
      ok([ep[1] as string], ['put', 'w/x', 'two']);
      ok(one, ['del', 'w/x']);
      const all = await w.until(base + 3 + 5 + 4);
      const tail = all.slice(base);
      expect(tail.slice(0, 3)).toEqual(['PUT', 'w/x', 'one']);
      expect(tail.slice(3, 8)).toEqual(['PUT', 'w/x', 'one', 'w/x', 'two']);
      expect(tail.slice(8, 12)).toEqual(['DELETE', 'w/x', 'two', 'w/x']);
    } finally {
      w.child.kill();
    }
    const rev = JSON.parse(ok(one, ['put', 'h/1', 'a', '-w', 'json'])).header.revision as number;
    ok(one, ['put', 'h/1', 'b']);
    const h = follow(one, ['watch', 'h/1', `--rev=${rev}`]);
    try {
      expect(await h.until(6)).toEqual(['PUT', 'h/1', 'a', 'PUT', 'h/1', 'b']);
    } finally {
      h.child.kill();
    }
  });

  it('lease: grant, keep-alive --once, timetolive --keys, list, revoke deletes the keys', () => {
    const granted = ok(one, ['lease', 'grant', '60']);
    const id = /lease ([0-9a-f]+) granted with TTL\(60s\)/.exec(granted)?.[1];
    expect(id).toBeDefined();
    ok(one, ['put', 'l/key', 'v', `--lease=${id}`]);
    expect(ok([ep[1] as string], ['lease', 'keep-alive', '--once', id as string])).toMatch(
      new RegExp(`lease ${id} keepalived with TTL\\(60\\)`),
    );
    expect(ok(one, ['lease', 'timetolive', id as string, '--keys'])).toMatch(
      new RegExp(`lease ${id} granted with TTL\\(60s\\), remaining\\((59|60)s\\), attached keys\\(\\[l/key\\]\\)`),
    );
    expect(ok(one, ['lease', 'list'])).toContain(id);
    expect(ok(one, ['lease', 'revoke', id as string])).toBe(`lease ${id} revoked\n`);
    expect(ok(one, ['get', 'l/key'])).toBe('');
    expect(ok(one, ['lease', 'timetolive', id as string])).toBe(`lease ${id} already expired\n`);
  });

  it('compaction, then reads below it are refused with etcd message', () => {
    const rev = JSON.parse(ok(one, ['put', 'c/1', 'a', '-w', 'json'])).header.revision as number;
    ok(one, ['put', 'c/1', 'b']);
    expect(ok(one, ['compaction', String(rev + 1)])).toBe(`compacted revision ${rev + 1}\n`);
    const r = ctl(one, ['get', 'c/1', `--rev=${rev}`]);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('etcdserver: mvcc: required revision has been compacted');
  });

  it('member list, endpoint health/status/hashkv with --cluster', () => {
    const members = ok(one, ['member', 'list']).trim().split('\n');
    expect(members).toHaveLength(3);
    for (const line of members) {
      expect(line).toMatch(/^[0-9a-f]+, started, m\d, http:\/\/127\.0\.0\.1:\d+, http:\/\/127\.0\.0\.1:\d+, false$/);
    }
    const health = ctl(one, ['endpoint', 'health', '--cluster']);
    expect(health.code).toBe(0);
    // etcdctl 3.4 prints health to stderr
    expect(health.err.match(/is healthy: successfully committed proposal/g)).toHaveLength(3);
    // with --cluster, etcdctl dials each advertised URL and sends it, scheme included, as the
    // HTTP/2 authority (grpc-kit's url-authority.ts makes kvd accept that, as Go's server does)
    const status = JSON.parse(ok(one, ['endpoint', 'status', '--cluster', '-w', 'json'])) as {
      Status: { leader: number; header: { member_id: number } }[];
    }[];
    expect(status).toHaveLength(3);
    const leaders = new Set(status.map((s) => s.Status.leader));
    expect(leaders.size).toBe(1);
    const hashes = ok(one, ['endpoint', 'hashkv', '--cluster'])
      .trim()
      .split('\n')
      .map((l) => l.split(', ')[1]);
    expect(hashes).toHaveLength(3);
    expect(new Set(hashes).size).toBe(1);
  });

  it('snapshot save writes a complete file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'etcdctl-snap-'));
    try {
      const file = join(dir, 'backup.db');
      const r = ctl(one, ['snapshot', 'save', file]);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain(`Snapshot saved at ${file}`);
      expect(statSync(file).size).toBeGreaterThan(32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lock: two contenders exclude each other', async () => {
    const first = follow(one, ['lock', 'the-lock']);
    try {
      const [key] = await first.until(1);
      expect(key).toMatch(/^the-lock\/[0-9a-f]+$/);
      const second = follow([ep[1] as string], ['lock', 'the-lock']);
      try {
        // the second waits while the first holds; it gets the lock once the first lets go
        const stillWaiting = await Promise.race([
          second.until(1).then(() => false),
          new Promise<boolean>((r) => setTimeout(() => r(true), 1500)),
        ]);
        expect(stillWaiting).toBe(true);
        first.child.kill('SIGINT');
        const [key2] = await second.until(1);
        expect(key2).toMatch(/^the-lock\/[0-9a-f]+$/);
        expect(key2).not.toBe(key);
      } finally {
        second.child.kill('SIGINT');
      }
    } finally {
      first.child.kill('SIGINT');
    }
  });

  it('elect: a campaigner becomes leader and an observer sees its proposal', async () => {
    const candidate = follow(one, ['elect', 'the-election', 'p1']);
    try {
      const [leaderKey, proposal] = await candidate.until(2);
      expect(leaderKey).toMatch(/^the-election\/[0-9a-f]+$/);
      expect(proposal).toBe('p1');
      const observer = follow([ep[2] as string], ['elect', '--listen', 'the-election']);
      try {
        const seen = await observer.until(2);
        expect(seen).toEqual([leaderKey, 'p1']);
      } finally {
        observer.child.kill('SIGINT');
      }
    } finally {
      candidate.child.kill('SIGINT');
    }
  });

  it('bad input gets etcd error messages', () => {
    const empty = ctl(one, ['put', '', 'v']);
    expect(empty.code).not.toBe(0);
    expect(empty.err).toContain('etcdserver: key is not provided');
    const big = ctl(one, ['put', 'big'], 'x'.repeat(2 * 1024 * 1024));
    expect(big.code).not.toBe(0);
    expect(big.err).toMatch(/request is too large|trying to send message larger than max/);
    const lease = ctl(one, ['put', 'k', 'v', '--lease=1234abcd']);
    expect(lease.err).toContain('etcdserver: requested lease not found');
    const future = ctl(one, ['get', 'k', '--rev=99999999']);
    expect(future.err).toContain('etcdserver: mvcc: required revision is a future revision');
  });
});
