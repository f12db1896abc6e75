// The whole story on 5 machines with every component and real containers: fleet runs a web
// service (`web@.container`, instances web@1 and web@2 with Conflicts=web@*, busybox httpd) and a
// `.service`; a client keeps writing to kv; the reboot semaphore allows 1 and the reboot window is
// open. `publish 2.0.0`: each update-engine writes slot B, and locksmithd locks, drains (fleet
// moves the units away, and the drain waits until they stopped), reboots, undrains and unlocks,
// machine after machine. Checked throughout: never two machines rebooting; in every HTTP sample
// (every ~150 ms) at least one web instance answers; no machine still ran a unit when it went
// down. At the end: every acknowledged write is in kv and every member's HashKV agrees; every
// machine booted slot B at 2.0.0, marked successful; the lock is free; every unit runs; the
// update server has all 5 instances Complete; after stop, no container of the cluster is left.

import { MACHINE_LABEL } from '@coreos-ts/fleet';
import { BUSYBOX_IMAGE, ensureBusyboxImage, ensureDockerd } from '@coreos-ts/fleet/testing';
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { KvSemaphoreStore, SemaphoreClient } from '@coreos-ts/locksmith';
import { cgptShowAttributes } from '@coreos-ts/update-engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../src/binaries.js';
import type { UnitsLost } from '../src/machine-units.js';
import { FleetRpc } from '../src/rpc.js';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';
import { waitReady } from '../src/wait-ready.js';
import { type KvWriter, memberHashes, missingWrites, startKvWriter } from './kv-writer.js';
import { observeReboots, type RebootObserver } from './reboot-observer.js';
import { freePortBase, type HttpObserver, observeHttp, webTemplate } from './web-units.js';

const NODES = 5;
const USR_B = 4;
const WEB = ['web@1.container', 'web@2.container'];
const WORKER = 'worker.service';
const KV_PREFIX = 'story/';

/** A window that opened a minute ago (UTC, whole minutes) and stays open for an hour. */
function openWindowArgs(nowMs: number): string[] {
  const start = new Date(Math.floor(nowMs / 60_000) * 60_000 - 60_000).toISOString().slice(11, 16);
  return [`--window-start=${start}`, '--window-length=1h', '--time-zone=UTC'];
}

describe('the whole story on 5 machines: containers, kv writes, update, lock, drain, reboot', () => {
  let cluster: TestCluster | undefined;
  let docker: Awaited<ReturnType<typeof ensureDockerd>> | undefined;
  let fleet: FleetRpc | undefined;
  let kv: KvClient | undefined;
  let http: HttpObserver | undefined;
  let writer: KvWriter | undefined;
  let reboots: RebootObserver | undefined;

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireTool('cgpt', 'apt-get install cgpt');
    requireBinary('fleetd');
    requireBinary('locksmithd');
    docker = await ensureDockerd();
    await ensureBusyboxImage(docker);
    cluster = await startTestCluster({
      nodes: NODES,
      docker: true,
      extraArgs: { locksmithd: openWindowArgs(Date.now()) },
    });
  }, 180_000);

  afterAll(async () => {
    reboots?.stop();
    await http?.stop();
    await writer?.stop();
    fleet?.close();
    kv?.close();
    await cluster?.stop();
  }, 60_000);

  it('updates all 5 machines one at a time while the web service answers and kv keeps every write', async () => {
    const t = cluster;
    if (t === undefined || docker === undefined) throw new Error('the cluster did not start');
    const f = new FleetRpc(t.info.machines.map((m) => m.endpoints.fleet ?? ''));
    fleet = f;
    kv = new KvClient({ endpoints: [...t.info.kvEndpoints] });
    const locks = new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) });
    await locks.setMax(1);
    await waitReady(`fleet to see ${NODES} machines`, async () => (await f.listMachines()).length === NODES, {
      timeoutMs: 30_000,
    });

    const portBase = await freePortBase(WEB.length);
    const urls = WEB.map((_, i) => `http://127.0.0.1:${portBase + i + 1}/`);
    for (const unit of WEB) await f.startUnit(unit, webTemplate(BUSYBOX_IMAGE, portBase));
    await f.startUnit(WORKER, '[Service]\nExecStart=/bin/sleep 100000\n');
    const allRunning = async () => {
      const states = await f.unitStates('');
      return [...WEB, WORKER].every(
        (u) => states.filter((s) => s.name === u && s.activeState === 'active').length === 1,
      );
    };
    await waitReady('the units to run', allRunning, { timeoutMs: 60_000 });
    for (const url of urls) {
      await waitReady(`${url} to answer`, async () => (await fetch(url)).ok, { timeoutMs: 30_000 });
    }

    // observers, from here to the end
    const r = observeReboots(t.machines);
    reboots = r;
    const h = observeHttp(urls, 150, 1_500);
    http = h;
    const w = startKvWriter(t.info.kvEndpoints, KV_PREFIX, 50);
    writer = w;
    const unitsLost: string[] = [];
    for (const m of t.machines) {
      m.events.on('units-lost', (lost: UnitsLost) => {
        for (const u of [...lost.processes, ...lost.containers]) unitsLost.push(`${m.name}: ${u}`);
      });
    }

    await t.publish('2.0.0');
    const boots = await Promise.all(
      t.machines.map((m) => t.waitForBoot(m.name, (b) => b.version === '2.0.0', 420_000)),
    );
    await t.waitForRollout((p) => p.version === '2.0.0' && p.succeeded === NODES, 60_000);
    await waitReady('the reboot lock to be free', async () => (await locks.status()).holders.length === 0, {
      timeoutMs: 60_000,
      intervalMs: 250,
    });
    await waitReady('every unit to run after the update', allRunning, { timeoutMs: 60_000 });
    await h.stop();
    await w.stop();

    const seen = [
      `reboots: ${r.starts.map((s) => s.machine).join(', ')}; most at once: ${r.rebootingMax()}`,
      `http: ${h.samples.length} samples, ${h.outages().length} with no answer`,
      `kv: ${w.acked.size} of ${w.attempts()} writes acknowledged`,
    ].join('\n');
    console.log(seen);
    expect(r.rebootingMax(), seen).toBe(1);
    for (const b of boots) expect(b, seen).toMatchObject({ slot: 'B', version: '2.0.0', bootCount: 2 });
    for (const m of t.machines) expect(cgptShowAttributes(m.diskPath, USR_B)).toMatchObject({ successful: 1 });
    const instances = await t.admin.listInstances();
    expect(instances.map((i) => `${i.version} ${i.statusName}`)).toEqual(Array(NODES).fill('2.0.0 Complete'));
    // locksmithd drained each machine before rebooting it: nothing ran there any more
    expect(unitsLost, seen).toEqual([]);
    const outages = h.outages().map((s) => `${new Date(s.atMs).toISOString()} ${JSON.stringify(s.answers)}`);
    expect(outages, seen).toEqual([]);
    expect(h.samples.length, seen).toBeGreaterThan(100);
    // each instance's first machine was rebooted too: every instance answered from two machines at least
    for (const [i, url] of urls.entries()) {
      const bodies = new Set(
        h.samples
          .map((s) => s.answers[i])
          .filter((a) => a?.ok)
          .map((a) => a?.text),
      );
      expect(bodies.size, `${url} answered as: ${[...bodies].join(' | ')}`).toBeGreaterThanOrEqual(2);
    }
    expect(w.acked.size, seen).toBeGreaterThan(100);
    expect(await missingWrites(kv, KV_PREFIX, w.acked)).toEqual([]);
    const hashes = await memberHashes(kv, t.info.kvEndpoints);
    expect(new Set(hashes.values()).size, JSON.stringify([...hashes])).toBe(1);

    // stopping the cluster takes its containers with it
    await t.stop();
    for (const m of t.machines) {
      const left = await docker.listContainers({
        all: true,
        filters: { label: [`${MACHINE_LABEL}=${m.config.machineId}`] },
      });
      expect(
        left.map((c) => c.Names),
        `${m.name}'s containers`,
      ).toEqual([]);
    }
  }, 600_000);
});
