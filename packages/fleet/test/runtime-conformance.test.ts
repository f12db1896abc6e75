import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import type Docker from 'dockerode';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DockerRuntime, defaultDockerRuntimeConfig, MACHINE_LABEL } from '../src/runtime/docker/docker-runtime.js';
import { ProcessRuntime } from '../src/runtime/process/process-runtime.js';
import { defaultProcessRuntimeConfig } from '../src/runtime/process/process-runtime-config.js';
import type { UnitRuntime } from '../src/runtime/unit-runtime.js';
import { BUSYBOX_IMAGE, collectLogs, ensureBusyboxImage, ensureDockerd, waitForStatus } from '../src/testing/index.js';
import { parseUnitFile } from '../src/unit/unit-file.js';

interface UnitSpec {
  /** POSIX sh script without single quotes */
  script: string;
  restart?: 'no' | 'on-failure' | 'always';
  env?: Record<string, string>;
}

/** What the shared suite needs from a runtime implementation. */
interface Harness {
  readonly suffix: string;
  setup(): Promise<void>;
  /** A runtime instance; a second call on the same harness is a fresh instance on the same state. */
  open(): Promise<UnitRuntime>;
  unitText(spec: UnitSpec): string;
  teardown(): Promise<void>;
}

function envLines(key: string, env: Record<string, string> | undefined): string {
  return Object.entries(env ?? {})
    .map(([k, v]) => `${key}="${k}=${v}"\n`)
    .join('');
}

function processHarness(): Harness {
  let stateDir = '';
  return {
    suffix: '.service',
    async setup() {
      stateDir = mkdtempSync(join(tmpdir(), 'fleet-proc-conf-'));
    },
    open: () => ProcessRuntime.open({ ...defaultProcessRuntimeConfig(stateDir), pollIntervalMs: 25 }),
    unitText: (spec) =>
      `[Service]\nExecStart=/bin/sh -c '${spec.script}'\n${envLines('Environment', spec.env)}` +
      `Restart=${spec.restart ?? 'no'}\nRestartSec=100ms\nTimeoutStopSec=5\n`,
    async teardown() {
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}

function dockerHarness(): Harness {
  const machineId = `c0ffee${process.pid.toString(16).padStart(8, '0')}`.padEnd(32, '0');
  let docker: Docker | undefined;
  return {
    suffix: '.container',
    async setup() {
      docker = await ensureDockerd();
      await ensureBusyboxImage(docker);
    },
    open: async () => new DockerRuntime({ ...defaultDockerRuntimeConfig(machineId) }),
    unitText: (spec) =>
      `[Container]\nImage=${BUSYBOX_IMAGE}\nExec=sh -c '${spec.script}'\n${envLines('Environment', spec.env)}` +
      `Network=host\n[Service]\nRestart=${spec.restart ?? 'no'}\nTimeoutStopSec=1\n`,
    async teardown() {
      if (!docker) return;
      const left = await docker.listContainers({ all: true, filters: { label: [`${MACHINE_LABEL}=${machineId}`] } });
      for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
    },
  };
}

describe.each([
  ['ProcessRuntime', processHarness()],
  ['DockerRuntime', dockerHarness()],
])('UnitRuntime conformance: %s', (_, harness) => {
  let runtime: UnitRuntime;
  let counter = 0;
  const started: string[] = [];
  const unitName = (base: string) => `${base}-${++counter}${harness.suffix}`;

  async function start(base: string, spec: UnitSpec): Promise<string> {
    const name = unitName(base);
    started.push(name);
    await runtime.start({ name, file: parseUnitFile(harness.unitText(spec)) });
    return name;
  }

  beforeAll(async () => {
    await harness.setup();
    runtime = await harness.open();
  });
  afterEach(async () => {
    for (const name of started.splice(0)) await runtime.stop(name);
  });
  afterAll(async () => {
    await runtime?.close();
    await harness.teardown();
  });

  it('starts a unit, lists it, stops it', async () => {
    const name = await start('sleeper', { script: 'echo started; exec sleep 300' });
    const running = await waitForStatus(runtime, name, (s) => s.active === 'active');
    expect(running.sub).toBe('running');
    expect(running.pid ?? running.containerId).toBeDefined();
    expect((await runtime.list()).map((u) => u.name)).toContain(name);
    await runtime.stop(name);
    expect(await runtime.status(name)).toMatchObject({ active: 'inactive', sub: 'dead' });
    expect((await runtime.list()).map((u) => u.name)).not.toContain(name);
  });

  it('starting a running unit again leaves it alone', async () => {
    const name = await start('twice', { script: 'exec sleep 300' });
    const first = await waitForStatus(runtime, name, (s) => s.active === 'active');
    await runtime.start({ name, file: parseUnitFile(harness.unitText({ script: 'exec sleep 300' })) });
    const second = await runtime.status(name);
    expect([second.pid, second.containerId]).toEqual([first.pid, first.containerId]);
  });

  it('a command that fails leaves the unit failed with its exit code', async () => {
    const name = await start('failing', { script: 'echo boom; exit 3' });
    const failed = await waitForStatus(runtime, name, (s) => s.active === 'failed');
    expect(failed.exitCode).toBe(3);
    expect(failed.message).toContain('3');
    expect(await collectLogs(runtime, name, 10)).toContain('boom');
  });

  it('an exit 0 without restart leaves the unit inactive', async () => {
    const name = await start('oneshot', { script: 'echo done' });
    const dead = await waitForStatus(runtime, name, (s) => s.active === 'inactive' && s.exitCode === 0);
    expect(dead.sub).toBe('dead');
  });

  it('passes Environment= and returns the last N log lines', async () => {
    const name = await start('env', {
      script: 'echo "greeting=$GREETING"; for i in 1 2 3 4 5; do echo line-$i; done; exec sleep 300',
      env: { GREETING: 'hello world' },
    });
    const lines = await waitUntil(
      'five lines of output',
      async () => {
        const got = await collectLogs(runtime, name, 100);
        return got.includes('line-5') ? got : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(lines).toEqual(['greeting=hello world', 'line-1', 'line-2', 'line-3', 'line-4', 'line-5']);
    expect(await collectLogs(runtime, name, 2)).toEqual(['line-4', 'line-5']);
  });

  it('follows the log until aborted', async () => {
    const name = await start('follow', { script: 'echo first; sleep 1; echo second; exec sleep 300' });
    const controller = new AbortController();
    const bound = setTimeout(() => controller.abort(), 20_000);
    const seen: string[] = [];
    for await (const line of runtime.logs(name, { lines: 10, follow: true, signal: controller.signal })) {
      seen.push(line);
      if (line === 'second') controller.abort();
    }
    clearTimeout(bound);
    expect(seen).toEqual(['first', 'second']);
  });

  it('Restart=on-failure restarts a failing unit (with back-off)', async () => {
    const name = await start('crashloop', { script: 'echo run; exit 1', restart: 'on-failure' });
    const status = await waitForStatus(runtime, name, (s) => s.restarts >= 2, 30_000);
    expect(['active', 'activating', 'failed']).toContain(status.active);
    await runtime.stop(name);
    expect((await runtime.status(name)).active).toBe('inactive');
  });

  it('a new runtime instance adopts running units instead of restarting them', async () => {
    const name = await start('adopted', { script: 'echo adopt-me; exec sleep 300' });
    const before = await waitForStatus(runtime, name, (s) => s.active === 'active');
    await runtime.close();
    runtime = await harness.open();
    const listed = (await runtime.list()).find((u) => u.name === name);
    expect(listed).toBeDefined();
    expect([listed?.pid, listed?.containerId]).toEqual(
      harness.suffix === '.service' ? [before.pid, undefined] : [undefined, before.containerId],
    );
    const after = await runtime.status(name);
    expect(after).toMatchObject({ active: 'active', sub: 'running' });
    expect([after.pid, after.containerId]).toEqual([before.pid, before.containerId]);
    await runtime.stop(name);
    expect((await runtime.status(name)).active).toBe('inactive');
  });
});
