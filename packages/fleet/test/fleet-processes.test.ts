import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFleetctl } from '../src/bin/fleetctl-program.js';
import { machineId, serviceUnit } from './fleet-harness.js';
import { FleetdProcess } from './fleetd-process.js';

const PREFIX = '/fleet-e2e/';
const TTL_SECONDS = 2;
const MACHINES = [
  { id: machineId('aaaa1111'), metadata: 'region=eu,disk=ssd' },
  { id: machineId('bbbb2222'), metadata: 'region=eu,disk=hdd' },
  { id: machineId('cccc3333'), metadata: 'region=us,disk=ssd' },
];

describe('real fleetd processes driven by fleetctl', () => {
  let etcd: RunningCluster;
  let kv: KvClient;
  let work: string;
  const fleetds = new Map<string, FleetdProcess>();
  const unitPids = new Set<number>();

  function fleetdFor(id: string, metadata: string): FleetdProcess {
    return new FleetdProcess([
      '--etcd-servers',
      etcd.endpoints.join(','),
      '--etcd-key-prefix',
      PREFIX,
      '--machine-id',
      id,
      '--public-ip',
      '127.0.0.1',
      '--metadata',
      metadata,
      '--agent-ttl',
      `${TTL_SECONDS}s`,
      '--engine-reconcile-interval',
      '500ms',
      '--listen',
      '127.0.0.1:0',
      '--state-dir',
      join(work, id.slice(0, 8)),
      '--log-level',
      'warn',
    ]);
  }

  async function fleetctl(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = '';
    let err = '';
    const endpoint = [...fleetds.values()].map((f) => f.address).join(',');
    const code = await runFleetctl(['--endpoint', endpoint, ...args], {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
    });
    return { code, out, err };
  }

  /** list-units as rows of unit -> { machine, active, pid }. */
  async function unitRows(): Promise<Map<string, { machine: string; active: string; pid: number }>> {
    const { out } = await fleetctl('list-units', '--no-legend', '--full', '--fields', 'unit,machine,active,pid');
    const rows = new Map<string, { machine: string; active: string; pid: number }>();
    for (const line of out.trim().split('\n').filter(Boolean)) {
      const [unit, machine, active, pid] = line.split('\t');
      rows.set(unit as string, {
        machine: (machine as string).split('/')[0] as string,
        active: active as string,
        pid: Number(pid),
      });
    }
    return rows;
  }

  async function leader(): Promise<string | undefined> {
    const r = await kv.get(`${PREFIX}engine-leader/`, {
      prefix: true,
      sortTarget: 'create',
      sortOrder: 'ascend',
      limit: 1,
    });
    return r.kvs[0]?.valueString;
  }

  beforeAll(async () => {
    etcd = await startCluster({ size: 3, binary: 'etcd' });
    kv = new KvClient({ endpoints: etcd.endpoints });
    work = mkdtempSync(join(tmpdir(), 'fleet-e2e-'));
    await Promise.all(
      MACHINES.map(async (m) => {
        const f = fleetdFor(m.id, m.metadata);
        fleetds.set(m.id, f);
        await f.start();
      }),
    );
    writeFileSync(join(work, 'hello.service'), serviceUnit(['MachineMetadata=region=eu'], 'hello-from-fleet'));
    writeFileSync(join(work, 'web@.service'), serviceUnit(['Conflicts=web@*'], 'web'));
  });

  afterAll(async () => {
    await fleetctl('destroy', 'hello.service', 'web@1.service', 'web@2.service', 'web@3.service', 'web@.service');
    for (const f of fleetds.values()) await f.kill('SIGTERM');
    for (const pid of unitPids) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    kv?.close();
    await etcd?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('list-machines shows every machine with its metadata (the fleetctl binary itself)', async () => {
    await waitUntil(
      'three machines',
      async () => (await fleetctl('list-machines', '--no-legend')).out.trim().split('\n').length === 3,
      {
        timeoutMs: 10_000,
      },
    );
    const endpoint = [...fleetds.values()].map((f) => f.address).join(',');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=@coreos-ts/source', '--import', 'tsx', 'src/bin/fleetctl.ts', 'list-machines', '--full'],
      { cwd: resolve(import.meta.dirname, '..'), env: { ...process.env, FLEETCTL_ENDPOINT: endpoint } },
    );
    expect(stdout).toBe(
      [
        'MACHINE\tIP\tMETADATA',
        `${MACHINES[0]?.id}\t127.0.0.1\tdisk=ssd,region=eu`,
        `${MACHINES[1]?.id}\t127.0.0.1\tdisk=hdd,region=eu`,
        `${MACHINES[2]?.id}\t127.0.0.1\tdisk=ssd,region=us`,
        '',
      ].join('\n'),
    );
  });

  it('start blocks until launched; journal and status show the output', async () => {
    const started = await fleetctl(
      'start',
      join(work, 'hello.service'),
      join(work, 'web@1.service'),
      join(work, 'web@2.service'),
      join(work, 'web@3.service'),
    );
    expect(started.err).toBe('');
    expect(started.out).toMatch(/^Unit hello\.service launched on [0-9a-f]{8}\.\.\.\/127\.0\.0\.1$/m);
    const rows = await unitRows();
    for (const row of rows.values()) unitPids.add(row.pid);
    expect(new Set(['web@1.service', 'web@2.service', 'web@3.service'].map((u) => rows.get(u)?.machine))).toEqual(
      new Set(MACHINES.map((m) => m.id)),
    );
    expect([MACHINES[0]?.id, MACHINES[1]?.id]).toContain(rows.get('hello.service')?.machine);
    const journal = await waitUntil(
      'the unit output in the journal',
      async () => {
        const j = await fleetctl('journal', '--lines', '5', 'hello.service');
        return j.out.includes('hello-from-fleet') ? j : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(journal.code).toBe(0);
    const status = await fleetctl('status', 'hello.service');
    expect(status.out).toContain('Active: active (running)');
    expect(status.out).toContain(`Main PID: ${rows.get('hello.service')?.pid}`);
    const files = await fleetctl('list-unit-files');
    expect(files.out.split('\n')[0]).toBe('UNIT\tHASH\tDSTATE\tSTATE\tTARGET');
    expect(files.out).toMatch(/^hello\.service\t[0-9a-f]{7}\tlaunched\tlaunched\t[0-9a-f]{8}\.\.\.\/127\.0\.0\.1$/m);
    expect((await fleetctl('cat', 'hello.service')).out).toContain('MachineMetadata=region=eu');
    mkdirSync(join(work, 'changed'));
    writeFileSync(join(work, 'changed', 'hello.service'), serviceUnit([], 'changed'));
    const again = await fleetctl('submit', join(work, 'changed', 'hello.service'));
    expect(again.code).toBe(0);
    expect(again.err).toContain('WARNING: Unit hello.service in registry differs from local unit file');
  });

  it("journal is relayed from the unit's machine, and --follow ends on interrupt", async () => {
    const rows = await unitRows();
    const elsewhere = [...fleetds].find(([id]) => id !== rows.get('hello.service')?.machine)?.[1] as FleetdProcess;
    const interrupt = new AbortController();
    let out = '';
    const following = runFleetctl(['--endpoint', elsewhere.address, 'journal', '--follow', 'hello.service'], {
      out: (t) => {
        out += t;
        if (out.includes('hello-from-fleet')) interrupt.abort();
      },
      err: () => {},
      interrupt: interrupt.signal,
    });
    expect(await following).toBe(0);
    expect(out).toContain('hello-from-fleet');
  });

  it('restarting a fleetd (SIGTERM, start again) leaves its units running with the same PIDs', async () => {
    const before = await unitRows();
    const machine = before.get('hello.service')?.machine as string;
    const f = fleetds.get(machine) as FleetdProcess;
    const oldLease = (await kv.get(`${PREFIX}machines/${machine}`)).kvs[0]?.lease as bigint;
    const scheduleRevisions = async () =>
      (await kv.get(`${PREFIX}schedule/`, { prefix: true })).kvs.map((k) => `${k.keyString}@${k.modRevision}`);
    const scheduleBefore = await scheduleRevisions();
    await f.kill('SIGTERM');
    await f.start();
    // the old lease (left to run out on SIGTERM) expires: the machine key must have moved to the new one
    await waitUntil(
      'the old machine lease to expire',
      async () => (await kv.lease.timeToLive(oldLease)).ttlSeconds < 0n,
      {
        timeoutMs: (TTL_SECONDS + 3) * 1000,
      },
    );
    // the new fleetd registers under its own lease (on a loaded host, maybe only after the old key went)
    const newLease = await waitUntil(
      'the machine registered under a new lease',
      async () => (await kv.get(`${PREFIX}machines/${machine}`)).kvs[0]?.lease,
      { timeoutMs: 10_000 },
    );
    expect(newLease).not.toBe(oldLease);
    // one engine pass later nothing was rescheduled and nothing restarted
    const after = await waitUntil(
      'every unit reported again',
      async () => {
        const rows = await unitRows();
        return rows.size === before.size ? rows : undefined;
      },
      { timeoutMs: 5_000 },
    );
    expect(after).toEqual(before);
    expect(await scheduleRevisions()).toEqual(scheduleBefore);
    for (const row of after.values()) expect(() => process.kill(row.pid, 0)).not.toThrow();
  });

  it('kill -9 of a fleetd: its units launch elsewhere within TTL + 2 s', async () => {
    const before = await unitRows();
    const victim = before.get('hello.service')?.machine as string;
    const started = Date.now();
    await fleetds.get(victim)?.kill('SIGKILL');
    fleetds.delete(victim);
    const after = await waitUntil(
      'hello.service launched on another machine',
      async () => {
        const rows = await unitRows();
        const row = rows.get('hello.service');
        return row && row.machine !== victim && row.active === 'active' ? rows : undefined;
      },
      { timeoutMs: (TTL_SECONDS + 2) * 1000 + 2_000, intervalMs: 100 },
    );
    const elapsed = Date.now() - started;
    expect(elapsed).toBeLessThan((TTL_SECONDS + 2) * 1000);
    unitPids.add(after.get('hello.service')?.pid as number);
    // units on the surviving machines did not move
    for (const [unit, row] of before) {
      if (row.machine !== victim) expect(after.get(unit)?.pid).toBe(row.pid);
    }
    // bring it back for the next test
    const spec = MACHINES.find((m) => m.id === victim);
    const f = fleetdFor(victim, spec?.metadata ?? '');
    fleetds.set(victim, f);
    await f.start();
    await waitUntil(
      'the machine to rejoin',
      async () => (await fleetctl('list-machines', '--no-legend')).out.trim().split('\n').length === 3,
      {
        timeoutMs: 10_000,
      },
    );
  });

  it("killing the engine leader moves leadership and reschedules only the dead machine's units", async () => {
    const before = await unitRows();
    const old = (await leader()) as string;
    expect(old).toMatch(/^[0-9a-f]{32}$/);
    await fleetds.get(old)?.kill('SIGKILL');
    fleetds.delete(old);
    const next = await waitUntil(
      'a new engine leader',
      async () => {
        const l = await leader();
        return l && l !== old ? l : undefined;
      },
      { timeoutMs: (TTL_SECONDS + 3) * 1000 },
    );
    expect(next).not.toBe(old);
    const after = await waitUntil(
      "the dead machine's units to settle elsewhere",
      async () => {
        const rows = await unitRows();
        return [...rows.values()].every((r) => r.machine !== old) && rows.get('hello.service')?.active === 'active'
          ? rows
          : undefined;
      },
      { timeoutMs: (TTL_SECONDS + 4) * 1000 },
    );
    for (const row of after.values()) unitPids.add(row.pid);
    for (const [unit, row] of before) {
      if (row.machine !== old) expect(after.get(unit)).toEqual(row);
    }
  });
});
