import { describe, expect, it } from 'vitest';
import { defaultDaemonConfig } from '../src/daemon/daemon-config.js';
import { NEED_REBOOT_STATUS } from '../src/daemon/daemon-events.js';
import { DaemonRunner, type RebootPorts } from '../src/daemon/daemon-runner.js';
import { parseRebootWindow } from '../src/window/reboot-window.js';
import { FakeTime } from './fake-time.js';

type Op = keyof RebootPorts;
interface Call {
  op: Op;
  atMs: number;
  resolve(): void;
  reject(reason: string): void;
}

/** Ports whose calls the test answers one by one. */
function fakePorts(time: FakeTime) {
  const calls: Call[] = [];
  const waiters: ((c: Call) => void)[] = [];
  const record = (op: Op) =>
    new Promise<void>((resolve, reject) => {
      const call: Call = { op, atMs: time.nowMs, resolve, reject: (r) => reject(new Error(r)) };
      const waiter = waiters.shift();
      if (waiter) waiter(call);
      else calls.push(call);
    });
  const ports: RebootPorts = {
    lock: () => record('lock'),
    unlock: () => record('unlock'),
    drain: () => record('drain'),
    undrain: () => record('undrain'),
    reboot: () => record('reboot'),
  };
  /** The next port call, awaited (bounded by the test timeout). */
  const next = (): Promise<Call> => {
    const queued = calls.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => waiters.push(resolve));
  };
  return { ports, next, pending: () => calls.length };
}

describe('DaemonRunner', () => {
  it('drives the decider end to end: unlock on boot, wait for the window, retry the lock, drain, reboot once', async () => {
    const time = new FakeTime('2026-01-01T09:00:00Z');
    const { ports, next, pending } = fakePorts(time);
    const window = parseRebootWindow({ windowStart: '14:00', windowLength: '1h', timeZone: 'UTC' });
    const runner = new DaemonRunner({
      config: { ...defaultDaemonConfig(), strategy: 'etcd-lock', window, drain: true },
      ports,
      clock: time.clock,
      timers: time,
    });
    runner.start();
    let call = await next();
    expect(call.op).toBe('undrain');
    call.resolve();
    call = await next();
    expect(call.op).toBe('unlock');
    call.resolve();
    await settled(runner);
    expect(runner.state.lock).toBe('free');

    time.nowMs = Date.parse('2026-01-01T10:00:00Z');
    runner.updateStatus(NEED_REBOOT_STATUS);
    expect(time.nextAt).toBe(Date.parse('2026-01-01T14:00:00Z'));
    time.fireNext();
    call = await next();
    expect(call.op).toBe('lock');
    call.reject('semaphore is at 0');
    // the refusal is retried after the first back-off step (5s)
    await waitForTimer(time);
    expect(time.nextAt).toBe(Date.parse('2026-01-01T14:00:05Z'));
    time.fireNext();
    call = await next();
    expect(call.op).toBe('lock');
    call.resolve();
    call = await next();
    expect(call.op).toBe('drain');
    call.resolve();
    call = await next();
    expect(call.op).toBe('reboot');
    expect(call.atMs).toBe(Date.parse('2026-01-01T14:00:05Z'));
    call.resolve();
    await settled(runner);
    runner.updateStatus(NEED_REBOOT_STATUS);
    expect(pending()).toBe(0);
    expect(runner.state.rebootIssued).toBe(true);
    runner.stop();
  });

  it('off: exits without touching anything', () => {
    const time = new FakeTime('2026-01-01T00:00:00Z');
    const { ports, pending } = fakePorts(time);
    const exits: string[] = [];
    const runner = new DaemonRunner({
      config: { ...defaultDaemonConfig(), strategy: 'off' },
      ports,
      clock: time.clock,
      timers: time,
      onExit: (reason) => exits.push(reason),
    });
    runner.start();
    runner.updateStatus(NEED_REBOOT_STATUS);
    expect(exits).toEqual(['reboot strategy is off']);
    expect(pending()).toBe(0);
    expect(time.nextAt).toBeUndefined();
  });

  it('a weekly window: one timer, set for the window start days ahead', () => {
    const time = new FakeTime('2026-01-01T00:00:00Z');
    const { ports } = fakePorts(time);
    const window = parseRebootWindow({ windowStart: 'Sun 00:00', windowLength: '1h', timeZone: 'UTC' });
    // 2026-01-01 is a Thursday: the window opens on Sunday
    const runner = new DaemonRunner({
      config: { ...defaultDaemonConfig(), strategy: 'reboot', window },
      ports,
      clock: time.clock,
      timers: time,
    });
    runner.start();
    runner.updateStatus(NEED_REBOOT_STATUS);
    expect(time.nextAt).toBe(Date.parse('2026-01-04T00:00:00Z'));
  });
});

/** The runner hears a port's answer in a microtask; wait until nothing is in flight. */
async function settled(runner: DaemonRunner): Promise<void> {
  for (let i = 0; i < 100 && runner.state.inflight !== undefined; i++) await Promise.resolve();
  if (runner.state.inflight !== undefined) throw new Error(`still in flight: ${runner.state.inflight}`);
}

/** The runner reacts to a rejected port call in a microtask; wait until it has set its timer. */
async function waitForTimer(time: FakeTime): Promise<void> {
  for (let i = 0; i < 100 && time.nextAt === undefined; i++) await Promise.resolve();
  if (time.nextAt === undefined) throw new Error('no timer was set');
}
