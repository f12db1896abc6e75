import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitUntil } from '@coreos-ts/grpc-kit/testing';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DockerRuntime,
  defaultDockerRuntimeConfig,
  MACHINE_LABEL,
  UNIT_LABEL,
} from '../src/runtime/docker/docker-runtime.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, ensureDockerd, waitForStatus } from '../src/testing/index.js';
import { parseUnitFile } from '../src/unit/unit-file.js';

const machineId = `d0cce7${process.pid.toString(16).padStart(8, '0')}`.padEnd(32, '0');
let docker: Docker;
let runtime: DockerRuntime;

beforeAll(async () => {
  docker = await ensureDockerd();
  await ensureBusyboxImage(docker);
  runtime = new DockerRuntime(defaultDockerRuntimeConfig(machineId));
});

afterAll(async () => {
  if (!docker) return;
  const left = await docker.listContainers({ all: true, filters: { label: [`${MACHINE_LABEL}=${machineId}`] } });
  for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
});

describe('DockerRuntime', () => {
  it('runs busybox httpd from an imported image with host networking, labelled for adoption', async () => {
    const port = await freePort();
    const name = 'web@1.container';
    await runtime.start({
      name,
      file: parseUnitFile(
        [
          '[Container]',
          `Image=${BUSYBOX_IMAGE}`,
          `Exec=sh -c 'echo hello-fleet > /www/index.html && exec httpd -f -p 127.0.0.1:${port} -h /www'`,
          'Network=host',
          'PublishPort=8080:80',
          '[Service]',
          'TimeoutStopSec=2',
        ].join('\n'),
      ),
    });
    const status = await waitForStatus(runtime, name, (s) => s.active === 'active');
    const body = await waitUntil(
      'httpd to answer',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        return response.ok ? (await response.text()).trim() : undefined;
      },
      { timeoutMs: 20_000 },
    );
    expect(body).toBe('hello-fleet');
    const inspect = await docker.getContainer(status.containerId as string).inspect();
    expect(inspect.Name).toBe('/systemd-web_1');
    expect(inspect.Config.Labels).toMatchObject({ [UNIT_LABEL]: name, [MACHINE_LABEL]: machineId });
    expect(inspect.HostConfig.NetworkMode).toBe('host');

    // another machine's runtime on the same dockerd does not see it
    const other = new DockerRuntime(defaultDockerRuntimeConfig('f'.repeat(32)));
    expect(await other.list()).toEqual([]);

    await runtime.stop(name);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
    expect((await runtime.status(name)).active).toBe('inactive');
  });

  it("a missing image fails the unit with dockerd's message", async () => {
    const name = 'ghost.container';
    await runtime.start({ name, file: parseUnitFile('[Container]\nImage=coreos-ts/no-such-image:1\n') });
    const status = await runtime.status(name);
    expect(status.active).toBe('failed');
    expect(status.message).toMatch(/No such image: coreos-ts\/no-such-image:1/);
    await runtime.stop(name);
    expect((await runtime.status(name)).active).toBe('inactive');
  });

  it("a command missing from the image fails the unit with the runtime's message", async () => {
    const name = 'nocommand.container';
    await runtime.start({ name, file: parseUnitFile(`[Container]\nImage=${BUSYBOX_IMAGE}\nExec=/no/such/program\n`) });
    const status = await waitForStatus(runtime, name, (s) => s.active === 'failed');
    expect(status.message).toMatch(/no such file or directory|not found/i);
    await runtime.stop(name);
  });

  it('binds Volume= into the container', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-volume-'));
    try {
      const name = 'writer.container';
      await runtime.start({
        name,
        file: parseUnitFile(
          `[Container]\nImage=${BUSYBOX_IMAGE}\nVolume=${dir}:/data\nExec=sh -c 'echo from-container > /data/out'\n`,
        ),
      });
      const status = await waitForStatus(runtime, name, (s) => s.active === 'inactive' && s.exitCode === 0);
      expect(status.containerId).toBeDefined();
      expect(readFileSync(join(dir, 'out'), 'utf8')).toBe('from-container\n');
      await runtime.stop(name);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses networks other than host and none, and units that are not containers', async () => {
    await expect(
      runtime.start({
        name: 'bridged.container',
        file: parseUnitFile(`[Container]\nImage=${BUSYBOX_IMAGE}\nNetwork=bridge\n`),
      }),
    ).rejects.toThrow(/line 3: unsupported Network=bridge/);
    await expect(
      runtime.start({ name: 'web.service', file: parseUnitFile(`[Container]\nImage=${BUSYBOX_IMAGE}\n`) }),
    ).rejects.toThrow('DockerRuntime runs .container units, not web.service');
  });
});
