// Scenario 1: `cluster up` of 3 machines, as a user runs it: every machine boots slot A at the
// base version, the kv cluster has 3 healthy members with one leader, cluster.json and
// `cluster status --json` agree, and `cluster down` leaves no process behind.
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { cgptShowAttributes } from '@coreos-ts/update-engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryBuilt } from '../src/binaries.js';
import type { ClusterInfo } from '../src/cluster-info.js';
import type { ClusterStatus } from '../src/cluster-status.js';
import { isAlive, killRecorded } from '../src/pid-files.js';
import { exited, requireBuiltCli, runCli, startClusterUp } from './cli.js';

describe('cluster up --nodes 3', () => {
  let dir: string;
  let up: ChildProcess | undefined;

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireTool('cgpt', 'apt-get install cgpt');
    requireBuiltCli();
    dir = mkdtempSync(join(tmpdir(), 'e2e-cluster-up-'));
    const started = startClusterUp(['--nodes', '3', '--dir', dir], 110_000);
    up = started.child;
    await started.ready;
  }, 120_000);

  afterAll(async () => {
    // whatever happened above: nothing of this cluster keeps running, and its directory goes
    if (up !== undefined && up.exitCode === null && up.signalCode === null) {
      up.kill('SIGTERM');
      await exited(up, 15_000).catch(() => up?.kill('SIGKILL'));
    }
    if (dir !== undefined) {
      killRecorded(dir);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('boots every machine from slot A at 1.0.0 with a healthy 3-member kv cluster, and stops cleanly', async () => {
    const info = JSON.parse(readFileSync(join(dir, 'cluster.json'), 'utf8')) as ClusterInfo;

    // cluster.json is complete
    expect(info.machines.map((m) => m.name)).toEqual(['m1', 'm2', 'm3']);
    expect(info.kvEndpoints).toEqual(info.machines.map((m) => m.endpoints.kv));
    expect(info.updateServer.omahaUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/update\/$/);
    expect(info.updateServer.admin).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(info.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const ports: string[] = [info.updateServer.omahaUrl, info.updateServer.admin, info.control];
    for (const m of info.machines) {
      expect(m.machineId).toMatch(/^[0-9a-f]{32}$/);
      expect(existsSync(m.disk)).toBe(true);
      expect(m.endpoints.kv).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(m.endpoints.updateEngine).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(m.endpoints.fleet !== undefined).toBe(binaryBuilt('fleetd'));
      expect(m.endpoints.locksmith !== undefined).toBe(binaryBuilt('locksmithd'));
      expect(m.endpoints.fleetLock !== undefined).toBe(binaryBuilt('locksmithd'));
      ports.push(...Object.values(m.endpoints));
    }
    const portNumbers = ports.map((p) => Number(/:(\d+)(\/|$)/.exec(p)?.[1]));
    expect(new Set(portNumbers).size).toBe(portNumbers.length);
    expect(new Set(info.machines.map((m) => m.machineId)).size).toBe(3);

    // the disks: slot A booted first and is marked good; B is empty
    for (const m of info.machines) {
      expect(cgptShowAttributes(m.disk, 3)).toEqual({ priority: 1, tries: 0, successful: 1 });
      expect(cgptShowAttributes(m.disk, 4)).toEqual({ priority: 0, tries: 0, successful: 0 });
    }

    // the kv cluster: 3 members, all agreeing on one leader, and it takes writes
    const kv = new KvClient({ endpoints: [...info.kvEndpoints] });
    let leaderName: string | undefined;
    try {
      const { members } = await kv.cluster.memberList();
      expect(members.map((m) => m.name).sort()).toEqual(['m1', 'm2', 'm3']);
      const leaders = await Promise.all(
        info.kvEndpoints.map(async (endpoint) => (await kv.maintenance.status({ endpoint })).leader),
      );
      expect(leaders[0]).not.toBe(0n);
      expect(new Set(leaders).size).toBe(1);
      leaderName = members.find((m) => m.id === leaders[0])?.name;
      await kv.put('e2e/hello', 'world');
      expect((await kv.getKv('e2e/hello'))?.valueString).toBe('world');
    } finally {
      kv.close();
    }

    // `cluster status --json` agrees
    const status = JSON.parse(await runCli(['status', '--json', '--dir', dir])) as ClusterStatus;
    expect(status.kv).toEqual({ leader: leaderName, members: 3, error: null });
    expect(status.machines.map((m) => m.name)).toEqual(['m1', 'm2', 'm3']);
    for (const m of status.machines) {
      const fromInfo = info.machines.find((x) => x.name === m.name);
      expect(m.machineId).toBe(fromInfo?.machineId);
      expect(m).toMatchObject({ state: 'up', bootCount: 1, bootedSlot: 'A', version: '1.0.0', kvError: null });
      expect(m.kvLeader).toBe(m.name === leaderName);
      expect(m.updateStatus).toMatch(/^UPDATE_STATUS_(IDLE|CHECKING_FOR_UPDATE)$/);
      expect(m.slots.map((s) => [s.name, s.version, s.successful])).toEqual([
        ['A', '1.0.0', true],
        ['B', '', false],
      ]);
      expect(m.components.kvd?.state).toBe('running');
      expect(m.components['update-engine']?.state).toBe('running');
    }

    // faults through the CLI: a paused kv member, a killed and restarted update-engine
    const statusNow = async () => JSON.parse(await runCli(['status', '--json', '--dir', dir])) as ClusterStatus;
    const machineNow = async (name: string) => (await statusNow()).machines.find((m) => m.name === name);
    await runCli(['pause', 'm2', 'kvd', '--dir', dir]);
    const paused = await machineNow('m2');
    expect(paused?.components.kvd?.state).toBe('paused');
    expect(paused?.kvError).not.toBeNull();
    await runCli(['resume', 'm2', 'kvd', '--dir', dir]);
    expect((await machineNow('m2'))?.components.kvd?.state).toBe('running');
    await runCli(['kill', 'm3', 'update-engine', '--dir', dir]);
    const killed = (await machineNow('m3'))?.components['update-engine'];
    expect(killed).toMatchObject({ state: 'exited', pid: null, exitSignal: 'SIGKILL' });
    await runCli(['restart', 'm3', 'update-engine', '--dir', dir]);
    const restarted = await machineNow('m3');
    expect(restarted?.components['update-engine']?.state).toBe('running');
    expect(restarted?.bootCount).toBe(1); // a service restart, not a reboot
    expect(await runCli(['logs', 'm1', 'boot', '--dir', dir])).toContain('"event":"boot"');

    // `cluster down`: every process it ran is gone, and so is `cluster up`
    const final = await statusNow();
    const pids = [
      ...final.machines.flatMap((m) => Object.values(m.components).flatMap((c) => (c.pid === null ? [] : [c.pid]))),
      ...(final.updateServer.pid === null ? [] : [final.updateServer.pid]),
    ];
    expect(pids.length).toBeGreaterThanOrEqual(7);
    const output = await runCli(['down', '--dir', dir]);
    expect(output).toMatch(/stopped \d+ processes/);
    if (up === undefined) throw new Error('cluster up was not started');
    expect(await exited(up, 15_000)).toBe(0);
    expect(pids.filter(isAlive)).toEqual([]);
  }, 120_000);
});
