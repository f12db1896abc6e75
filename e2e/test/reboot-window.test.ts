// Reboot windows on 3 machines with locksmithd (fleetd off): the window (`--window-start HH:MM`
// in UTC, `--window-length 3m`) opens at the first whole minute at least 40 s after the test
// starts, so it is closed while the cluster starts and `publish 2.0.0` is downloaded. Checked:
// every update-engine reaches UPDATED_NEED_REBOOT before the window opens and no machine begins a
// reboot before it opens (the supervisors' state events); once it opens, locksmithd reboots the
// machines one at a time, inside the window, and they end on 2.0.0 from slot B, the lock free.
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { KvSemaphoreStore, SemaphoreClient } from '@coreos-ts/locksmith';
import { updateenginepb } from '@coreos-ts/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../src/binaries.js';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';
import { waitReady } from '../src/wait-ready.js';
import { observeReboots, type RebootObserver } from './reboot-observer.js';

const MINUTE_MS = 60_000;
/** The window opens no sooner than this after the test starts: the cluster starts and downloads meanwhile. */
const LEAD_MS = 40_000;
const WINDOW_LENGTH_MS = 3 * MINUTE_MS;
const NEED_REBOOT = updateenginepb.UpdateStatus.UPDATE_STATUS_UPDATED_NEED_REBOOT;

/** The first whole minute (UTC) at least `leadMs` from `nowMs`, and its `HH:MM`. */
function windowStartAfter(nowMs: number, leadMs: number): { atMs: number; text: string } {
  const atMs = Math.ceil((nowMs + leadMs) / MINUTE_MS) * MINUTE_MS;
  return { atMs, text: new Date(atMs).toISOString().slice(11, 16) };
}

describe('a reboot window: downloads while it is closed, reboots one at a time once it opens', () => {
  const window = windowStartAfter(Date.now(), LEAD_MS);
  let cluster: TestCluster | undefined;
  let kv: KvClient | undefined;
  let reboots: RebootObserver | undefined;

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireBinary('locksmithd');
    cluster = await startTestCluster({
      nodes: 3,
      fleetd: false,
      extraArgs: {
        locksmithd: [`--window-start=${window.text}`, `--window-length=${WINDOW_LENGTH_MS / 1000}s`, '--time-zone=UTC'],
      },
    });
  }, 150_000);

  afterAll(async () => {
    reboots?.stop();
    kv?.close();
    await cluster?.stop();
  }, 30_000);

  it('does not reboot before the window opens, then reboots each machine into 2.0.0 one at a time', async () => {
    const t = cluster;
    if (t === undefined) throw new Error('the cluster did not start');
    const r = observeReboots(t.machines);
    reboots = r;

    await t.publish('2.0.0');
    await Promise.all(
      t.machines.map((m) =>
        t.waitForUpdateStatus(m.name, (s) => s.currentOperation === NEED_REBOOT && s.newVersion === '2.0.0', 60_000),
      ),
    );
    const downloadedAtMs = Date.now();
    // the first half holds only if the downloads were done while the window was still closed
    expect(
      downloadedAtMs,
      `every machine needs a reboot only ${downloadedAtMs - window.atMs} ms after the window (${window.text} UTC) opened: the cluster was too slow to start for this test's lead (${LEAD_MS} ms)`,
    ).toBeLessThan(window.atMs);

    const untilOpenMs = window.atMs - Date.now();
    const boots = await Promise.all(
      t.machines.map((m) => t.waitForBoot(m.name, (b) => b.version === '2.0.0', untilOpenMs + 120_000)),
    );
    for (const b of boots) expect(b).toMatchObject({ slot: 'B', bootCount: 2 });
    await t.waitForRollout((p) => p.version === '2.0.0' && p.succeeded === 3, 60_000);
    kv = new KvClient({ endpoints: [...t.info.kvEndpoints] });
    const locks = new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) });
    // the last machine gives its slot back after its boot
    await waitReady('the reboot lock to be free', async () => (await locks.status()).holders.length === 0, {
      timeoutMs: 30_000,
      intervalMs: 200,
    });

    const seen = `window ${window.text} UTC (+${WINDOW_LENGTH_MS / 1000}s); downloaded ${window.atMs - downloadedAtMs} ms before it opened; reboots: ${r.starts
      .map((s) => `${s.machine} at ${s.atMs - window.atMs} ms`)
      .join(', ')}`;
    console.log(seen);
    expect(r.starts.map((s) => s.machine).sort(), seen).toEqual(['m1', 'm2', 'm3']);
    for (const start of r.starts) {
      expect(start.atMs, seen).toBeGreaterThanOrEqual(window.atMs);
      expect(start.atMs, seen).toBeLessThan(window.atMs + WINDOW_LENGTH_MS);
    }
    expect(r.rebootingMax(), seen).toBe(1);
  }, 300_000);
});
