import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isSameProcess, readProcStat } from '../src/runtime/process/proc-stat.js';
import { ProcessRuntime } from '../src/runtime/process/process-runtime.js';
import {
  defaultProcessRuntimeConfig,
  type ProcessRuntimeConfig,
} from '../src/runtime/process/process-runtime-config.js';
import { collectLogs, killUnitProcesses, waitForStatus } from '../src/testing/index.js';
import { parseUnitFile } from '../src/unit/unit-file.js';

const here = dirname(fileURLToPath(import.meta.url));
const tsx = join(here, '..', 'node_modules', '.bin', 'tsx');

let stateDir: string;
let runtimes: ProcessRuntime[] = [];

async function open(overrides: Partial<ProcessRuntimeConfig> = {}): Promise<ProcessRuntime> {
  const runtime = await ProcessRuntime.open({
    ...defaultProcessRuntimeConfig(stateDir),
    pollIntervalMs: 25,
    ...overrides,
  });
  runtimes.push(runtime);
  return runtime;
}

function service(text: string) {
  return parseUnitFile(`[Service]\n${text}\n`);
}

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), 'fleet-proc-'));
});
afterEach(async () => {
  for (const runtime of runtimes) {
    for (const unit of await runtime.list()) await runtime.stop(unit.name).catch(() => {});
    await runtime.close();
  }
  runtimes = [];
  rmSync(stateDir, { recursive: true, force: true });
});

describe('ProcessRuntime', () => {
  it("units survive the death of the runtime's process and are adopted by the next one", async () => {
    const { stdout } = await promisify(execFile)(tsx, [
      '--conditions=@coreos-ts/source',
      join(here, 'fixtures', 'start-and-exit.ts'),
      stateDir,
      'orphan.service',
    ]);
    const { pid } = JSON.parse(stdout.trim()) as { pid: number };
    expect(pid).toBeGreaterThan(0);
    const stat = await readProcStat(pid);
    expect(stat).toBeDefined();
    expect(await isSameProcess(pid, stat?.startTime ?? '')).toBe(true);
    expect(stat?.pgrp).toBe(pid); // its own process group

    const runtime = await open();
    expect(await runtime.list()).toEqual([{ name: 'orphan.service', pid }]);
    expect(await runtime.status('orphan.service')).toMatchObject({ active: 'active', pid });
    // the adopter reads the log file the orphan kept writing
    const lines = await waitUntil(
      "the orphan's output",
      async () => {
        const got = await collectLogs(runtime, 'orphan.service', 5);
        return got.length > 0 ? got : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(lines).toEqual(['from-orphan']);
    await runtime.stop('orphan.service');
    expect(await isSameProcess(pid, stat?.startTime ?? '')).toBe(false);
    expect(existsSync(join(stateDir, 'units', 'orphan.service.json'))).toBe(false);
  });

  it('a recorded process that died meanwhile is reported failed, not adopted', async () => {
    const first = await open();
    await first.start({ name: 'gone.service', file: service("ExecStart=/bin/sh -c 'exec sleep 300'") });
    const { pid } = await waitForStatus(first, 'gone.service', (s) => s.active === 'active');
    await first.close();
    process.kill(-(pid as number), 'SIGKILL');
    await waitUntil(
      'the process to die',
      async () => {
        const stat = await readProcStat(pid as number);
        return stat === undefined || stat.state === 'Z';
      },
      { timeoutMs: 5000 },
    );
    const second = await open();
    expect(await second.list()).toEqual([]);
    expect(await second.status('gone.service')).toMatchObject({
      active: 'failed',
      message: 'process exited while no runtime supervised it',
    });
  });

  it("killUnitProcesses (a machine's power loss) kills every recorded unit's group; nothing is left to adopt", async () => {
    const processDir = join(stateDir, 'process'); // fleetd's runtime lives in <state-dir>/process
    const first = await open({ stateDir: processDir });
    await first.start({ name: 'a.service', file: service("ExecStart=/bin/sh -c 'sleep 300 & exec sleep 300'") });
    await first.start({ name: 'b.service', file: service('ExecStart=/bin/sleep 300') });
    const a = await waitForStatus(first, 'a.service', (s) => s.active === 'active');
    const b = await waitForStatus(first, 'b.service', (s) => s.active === 'active');
    await first.close();

    expect((await killUnitProcesses(stateDir)).sort()).toEqual(['a.service', 'b.service']);
    for (const pid of [a.pid, b.pid]) {
      const stat = await readProcStat(pid as number);
      expect(stat === undefined || stat.state === 'Z').toBe(true);
    }
    const second = await open({ stateDir: processDir });
    expect(await second.list()).toEqual([]);
    expect(await killUnitProcesses(stateDir)).toEqual([]);
  });

  it('TimeoutStopSec: SIGTERM first, SIGKILL when it is ignored', async () => {
    const runtime = await open();
    await runtime.start({
      name: 'stubborn.service',
      file: service(
        'ExecStart=/bin/sh -c "trap \\"\\" TERM; echo ready; while true; do sleep 0.05; done"\nTimeoutStopSec=400ms',
      ),
    });
    await waitUntil('ready', async () => (await collectLogs(runtime, 'stubborn.service', 5)).includes('ready'), {
      timeoutMs: 10_000,
    });
    const { pid } = await runtime.status('stubborn.service');
    const startedAt = Date.now();
    await runtime.stop('stubborn.service');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(350);
    expect(await readProcStat(pid as number)).toBeUndefined();
  });

  it('ExecStop runs with $MAINPID before the signal', async () => {
    const runtime = await open();
    const marker = join(stateDir, 'stopped');
    await runtime.start({
      name: 'polite.service',
      file: service(`ExecStart=/bin/sh -c 'exec sleep 300'\nExecStop=/bin/sh -c 'echo $MAINPID > ${marker}'`),
    });
    const { pid } = await waitForStatus(runtime, 'polite.service', (s) => s.active === 'active');
    await runtime.stop('polite.service');
    expect(readFileSync(marker, 'utf8').trim()).toBe(String(pid));
  });

  it('ExecStartPre: a failure fails the unit, unless prefixed with -', async () => {
    const runtime = await open();
    await runtime.start({
      name: 'pre.service',
      file: service("ExecStartPre=/bin/false\nExecStart=/bin/sh -c 'exec sleep 300'"),
    });
    expect(await waitForStatus(runtime, 'pre.service', (s) => s.active === 'failed')).toMatchObject({
      message: 'ExecStartPre /bin/false exited with code 1',
    });
    await runtime.start({
      name: 'lenient.service',
      file: service(
        "ExecStartPre=-/bin/false\nExecStartPre=/bin/sh -c 'echo pre-ran'\nExecStart=/bin/sh -c 'echo main; exec sleep 300'",
      ),
    });
    await waitForStatus(runtime, 'lenient.service', (s) => s.active === 'active');
    const lines = await waitUntil(
      'main output',
      async () => {
        const got = await collectLogs(runtime, 'lenient.service', 10);
        return got.includes('main') ? got : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(lines).toEqual(['pre-ran', 'main']);
  });

  it('a program that does not exist fails with the spawn error', async () => {
    const runtime = await open();
    await runtime.start({ name: 'missing.service', file: service('ExecStart=/nonexistent/program') });
    const status = await waitForStatus(runtime, 'missing.service', (s) => s.active === 'failed');
    expect(status.message).toMatch(/^ExecStart failed: .*ENOENT/);
  });

  it('EnvironmentFile= and WorkingDirectory=', async () => {
    const runtime = await open();
    const envFile = join(stateDir, 'env');
    writeFileSync(envFile, '# comment\nFROM_FILE="file value"\nOVERRIDDEN=file\n');
    await runtime.start({
      name: 'envfile.service',
      file: service(
        `EnvironmentFile=${envFile}\nEnvironmentFile=-/does/not/exist\nEnvironment=OVERRIDDEN=unit\n` +
          `WorkingDirectory=${stateDir}\nExecStart=/bin/sh -c 'pwd; echo $FROM_FILE; echo $OVERRIDDEN; exec sleep 300'`,
      ),
    });
    const lines = await waitUntil(
      'three lines',
      async () => {
        const got = await collectLogs(runtime, 'envfile.service', 10);
        return got.length >= 3 ? got : undefined;
      },
      { timeoutMs: 10_000 },
    );
    expect(lines).toEqual([stateDir, 'file value', 'unit']);
    await runtime.start({
      name: 'noenv.service',
      file: service(`EnvironmentFile=/does/not/exist\nExecStart=/bin/true`),
    });
    expect((await runtime.status('noenv.service')).message).toMatch(/^EnvironmentFile \/does\/not\/exist: /);
  });

  it('keeps the in-memory log bounded and rotates the log file', async () => {
    const runtime = await open({ logLinesMax: 10, logBytesMax: 1000, logFileBytesMax: 2000 });
    await runtime.start({
      name: 'chatty.service',
      file: service("ExecStart=/bin/sh -c 'i=0; while [ $i -lt 300 ]; do echo line-$i; i=$((i+1)); done'"),
    });
    await waitForStatus(runtime, 'chatty.service', (s) => s.active === 'inactive' && s.exitCode === 0);
    const lines = await collectLogs(runtime, 'chatty.service', 100);
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toBe('line-299');
    expect(existsSync(join(stateDir, 'logs', 'chatty.service.log.1'))).toBe(true);
  });
});

describe('ProcessRuntime bounds', () => {
  it('forgets the oldest stopped units beyond deadUnitsMax', async () => {
    const runtime = await open({ deadUnitsMax: 2 });
    for (const n of [1, 2, 3]) {
      await runtime.start({ name: `u${n}.service`, file: service("ExecStart=/bin/sh -c 'echo u; exec sleep 300'") });
      await waitUntil('its output', async () => (await collectLogs(runtime, `u${n}.service`, 5)).includes('u'), {
        timeoutMs: 10_000,
      });
      await runtime.stop(`u${n}.service`);
    }
    expect(await collectLogs(runtime, 'u1.service', 5)).toEqual([]);
    expect(await collectLogs(runtime, 'u3.service', 5)).toEqual(['u']);
  });

  it('refuses a configuration that breaks its own bounds', async () => {
    await expect(open({ logLinesMax: 0 })).rejects.toThrow('logLinesMax (0) must be positive');
    await expect(open({ logBytesMax: 4096, logFileBytesMax: 1024 })).rejects.toThrow(
      'logFileBytesMax (1024) must be at least logBytesMax (4096)',
    );
  });
});

describe('ProcessRuntime unit names', () => {
  it('runs only valid .service names (they become file names)', async () => {
    const runtime = await open();
    const file = service('ExecStart=/bin/true');
    await expect(runtime.start({ name: '../escape.service', file })).rejects.toThrow(
      'invalid character "/" in unit name',
    );
    await expect(runtime.start({ name: 'db.container', file })).rejects.toThrow(
      'ProcessRuntime runs .service units, not db.container',
    );
  });
});
