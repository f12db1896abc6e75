import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { credentials } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SemaphoreClient } from '../src/client/semaphore-client.js';
import { type DaemonConfig, defaultDaemonConfig } from '../src/daemon/daemon-config.js';
import { NEED_REBOOT_STATUS } from '../src/daemon/daemon-events.js';
import { type Locksmithd, type LocksmithdOptions, startLocksmithd } from '../src/daemon/locksmithd.js';
import { livenessKey, semaphoreKey } from '../src/semaphore/keys.js';
import { KvSemaphoreStore } from '../src/store/kv-semaphore-store.js';
import { isInWindow, parseRebootWindow } from '../src/window/reboot-window.js';
import { DaemonSteps, hasAction, isEvent, isStatus } from './daemon-steps.js';
import { FakeTime } from './fake-time.js';
import { type FakeUpdateEngine, startFakeUpdateEngine } from './fake-update-engine.js';
import { kvBackends, requireBackend } from './kv-backends.js';

const insecure = credentials.createInsecure();
const window = parseRebootWindow({ windowStart: '14:00', windowLength: '1h', timeZone: 'UTC' })!;

describe.each(kvBackends)('locksmithd over $name: update-engine stream, window, semaphore', (backend) => {
  let cluster: RunningCluster;
  let kv: KvClient;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    requireBackend(backend);
    cluster = await startCluster({ size: 3, binary: backend.binary });
    kv = new KvClient({ endpoints: cluster.endpoints });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    kv?.close();
    await cluster?.stop();
  });

  const semaphore = () => new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) });

  async function updateEngine(initial: Parameters<typeof startFakeUpdateEngine>[0], port?: number) {
    const ue = await startFakeUpdateEngine(initial, port);
    cleanups.push(() => ue.stop());
    return ue;
  }

  async function daemon(
    options: Partial<LocksmithdOptions> & {
      machineId: string;
      group: string;
      ue: FakeUpdateEngine;
      steps: DaemonSteps;
    },
    config: Partial<DaemonConfig> = {},
  ): Promise<Locksmithd> {
    const { ue, steps, ...rest } = options;
    const d = await startLocksmithd({
      store: new KvSemaphoreStore({ client: kv }),
      daemon: { ...defaultDaemonConfig(), strategy: 'etcd-lock', ...config },
      updateEngine: { address: ue.address, credentials: insecure },
      onStep: steps.onStep,
      ...rest,
    });
    cleanups.push(() => d.stop());
    return d;
  }

  it('waits for the window, takes a slot and reboots once inside it, and gives the slot back after boot', async () => {
    const group = `window-${backend.name}`;
    const time = new FakeTime('2026-01-01T10:00:00Z');
    const reboots: number[] = [];
    const steps = new DaemonSteps(time.clock.now);
    const ue = await updateEngine('UPDATE_STATUS_IDLE');
    const d1 = await daemon(
      {
        machineId: 'm1',
        group,
        ue,
        steps,
        clock: time.clock,
        timers: time,
        reboot: async () => void reboots.push(time.nowMs),
      },
      { window },
    );
    await steps.next(isEvent('unlocked'));
    await steps.next(isStatus('UPDATE_STATUS_IDLE'));

    let mark = steps.mark();
    ue.setStatus('UPDATE_STATUS_UPDATED_NEED_REBOOT');
    await steps.next(hasAction('wait-for-window'), mark);
    expect(time.nextAt).toBe(Date.parse('2026-01-01T14:00:00Z'));
    expect(reboots).toEqual([]);
    expect((await semaphore().status(group)).holders ?? []).toEqual([]);

    mark = steps.mark();
    time.fireNext();
    await steps.next(isEvent('reboot-finished'), mark);
    expect(reboots).toEqual([Date.parse('2026-01-01T14:00:00Z')]);
    expect((await semaphore().status(group)).holders).toEqual(['m1']);

    // update-engine restarts and says "need reboot" again on a new stream: the same need, no second reboot
    const port = Number(ue.address.split(':')[1]);
    await ue.stop();
    mark = steps.mark();
    const ue2 = await updateEngine('UPDATE_STATUS_UPDATED_NEED_REBOOT', port);
    await ue2.watchesOpened(1);
    await steps.next(isStatus(NEED_REBOOT_STATUS), mark);
    expect(reboots).toHaveLength(1);
    expect(d1.runner.state.inflight).toBeUndefined();

    // the simulated boot: this process is gone, a new locksmithd starts on the rebooted machine
    await d1.stop();
    time.nowMs = Date.parse('2026-01-01T14:04:00Z');
    ue2.setStatus('UPDATE_STATUS_IDLE');
    const steps2 = new DaemonSteps(time.clock.now);
    await daemon({ machineId: 'm1', group, ue: ue2, steps: steps2, clock: time.clock, timers: time }, { window });
    await steps2.next(isEvent('unlocked'));
    const after = await semaphore().status(group);
    expect(after).toEqual({ semaphore: 1, max: 1, holders: [] });
    expect(reboots).toHaveLength(1);
  });

  it('a slot that frees up only after the window closed: no reboot outside it, the reboot comes in the next window', async () => {
    const group = `late-${backend.name}`;
    await semaphore().lock('other', group);
    const time = new FakeTime('2026-01-01T14:50:00Z');
    const reboots: number[] = [];
    const steps = new DaemonSteps(time.clock.now);
    const ue = await updateEngine('UPDATE_STATUS_UPDATED_NEED_REBOOT');
    await daemon(
      {
        machineId: 'm1',
        group,
        ue,
        steps,
        clock: time.clock,
        timers: time,
        reboot: async () => void reboots.push(time.nowMs),
      },
      { window },
    );

    // refused (the slot is taken), retried with back-off (5s doubling) until the window closes
    for (let mark = 0; ; ) {
      const waiting = await steps.next(
        (s) => hasAction('wait-for-backoff')(s) || hasAction('wait-for-window')(s),
        mark,
      );
      if (hasAction('wait-for-window')(waiting)) break;
      mark = steps.mark();
      time.fireNext();
    }
    expect(steps.count(isEvent('lock-refused'))).toBeGreaterThan(3);
    expect(time.nextAt).toBe(Date.parse('2026-01-02T14:00:00Z'));
    expect(reboots).toEqual([]);

    await semaphore().unlock('other', group);
    const mark = steps.mark();
    time.fireNext();
    await steps.next(isEvent('reboot-finished'), mark);
    expect(reboots).toEqual([Date.parse('2026-01-02T14:00:00Z')]);
    for (const atMs of reboots) expect(isInWindow(window, atMs)).toBe(true);
    expect((await semaphore().status(group)).holders).toEqual(['m1']);
  });

  it('--stale-lock-ttl: a holder killed while holding is released by another daemon once the TTL has passed', async () => {
    const group = `stale-${backend.name}`;
    const staleLockTtlMs = 2_000;
    const staleLockCheckIntervalMs = 250;
    const stale = { staleLockTtlMs, staleLockCheckIntervalMs, livenessLeaseTtlSeconds: 5 };
    const fast = { lockBackoff: { initialMs: 100, maxMs: 500 } };

    const ueA = await updateEngine('UPDATE_STATUS_UPDATED_NEED_REBOOT');
    const stepsA = new DaemonSteps();
    const storeA = new KvSemaphoreStore({ client: kv });
    const a = await daemon(
      { machineId: 'a', group, ue: ueA, steps: stepsA, store: storeA, reboot: async () => {}, ...stale },
      fast,
    );
    await stepsA.next(isEvent('reboot-finished'));
    expect((await semaphore().status(group)).holders).toEqual(['a']);
    expect((await kv.get(livenessKey(group, 'a'), { countOnly: true })).count).toBe(1n);

    const ueB = await updateEngine('UPDATE_STATUS_IDLE');
    const stepsB = new DaemonSteps();
    const rebootsB: number[] = [];
    await daemon(
      { machineId: 'b', group, ue: ueB, steps: stepsB, reboot: async () => void rebootsB.push(Date.now()), ...stale },
      fast,
    );
    await stepsB.next(isEvent('unlocked'));

    // 'a' dies holding its slot: its process is gone, its lease revoked with it
    const revision = (await kv.get(semaphoreKey(group))).header.revision;
    const changes = kv.watch(semaphoreKey(group), { startRevision: revision + 1n });
    await a.stop();
    await storeA.close();
    const killedAt = Date.now();
    ueB.setStatus('UPDATE_STATUS_UPDATED_NEED_REBOOT');

    let releasedAt = 0;
    for await (const batch of changes) {
      if (batch.events.some((e) => !e.kv.valueString.includes('"a"'))) {
        releasedAt = Date.now();
        break;
      }
    }
    const elapsedMs = releasedAt - killedAt;
    expect(elapsedMs).toBeGreaterThanOrEqual(staleLockTtlMs);
    expect(elapsedMs).toBeLessThanOrEqual(staleLockTtlMs + 2 * staleLockCheckIntervalMs + 1_000);

    await stepsB.next(isEvent('reboot-finished'));
    expect(rebootsB).toHaveLength(1);
    expect((await semaphore().status(group)).holders).toEqual(['b']);
  });
});
