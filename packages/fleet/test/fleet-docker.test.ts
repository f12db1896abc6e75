import { freePort, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { fleetpb } from '@coreos-ts/proto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MACHINE_LABEL } from '../src/runtime/docker/docker-runtime.js';
import { BUSYBOX_IMAGE, ensureBusyboxImage, ensureDockerd } from '../src/testing/index.js';
import { FleetHarness } from './fleet-harness.js';

// unique per run, so containers of an earlier run are never adopted
const D = `d0c4e7${process.pid.toString(16).padStart(8, '0')}`.padEnd(32, '0');

describe('a .container unit through fleet (real dockerd)', () => {
  let docker: Docker;
  let fleet: FleetHarness;

  beforeAll(async () => {
    docker = await ensureDockerd();
    await ensureBusyboxImage(docker);
    fleet = await FleetHarness.start([{ id: D, docker: true }], '/fleet-docker/');
  });

  afterAll(async () => {
    await fleet?.stop();
    const left = await docker.listContainers({ all: true, filters: { label: [`${MACHINE_LABEL}=${D}`] } });
    for (const c of left) await docker.getContainer(c.Id).remove({ force: true });
  });

  it('runs a template instance as a busybox httpd container (specifiers expanded), reports it, stops it on destroy', async () => {
    const port = await freePort();
    // one template for any port: the instance is the port; the container's name carries the machine
    const unitFile = [
      '[Container]',
      `Image=${BUSYBOX_IMAGE}`,
      "Exec=sh -c 'echo hello-from-%n > /www/index.html && exec httpd -f -p 127.0.0.1:%i -h /www'",
      'ContainerName=%p-%i-%m',
      '',
      '[Service]',
      // httpd runs as the container's PID 1 and ignores SIGTERM: do not wait long for it
      'TimeoutStopSec=1',
      '',
    ].join('\n');
    const unit = `httpd@${port}.container`;
    await fleet.api.submitUnit({ name: unit, unitFile, desiredState: fleetpb.UnitState.UNIT_STATE_LAUNCHED });
    await fleet.launched([unit], 30_000);
    const body = await waitUntil(
      'httpd to answer',
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/`);
        return response.ok ? response.text() : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100 },
    );
    expect(body).toBe(`hello-from-${unit}\n`);
    const [state] = await fleet.api.listUnitStates({ unitName: unit });
    expect(state?.containerId).toMatch(/^[0-9a-f]{64}$/);
    const running = await docker.listContainers({ filters: { label: [`${MACHINE_LABEL}=${D}`] } });
    expect(running.map((c) => c.Id)).toEqual([state?.containerId]);
    expect(running[0]?.Names).toEqual([`/httpd-${port}-${D}`]);

    await fleet.api.destroyUnit(unit);
    await fleet.until(
      'the container to be gone',
      async () =>
        (await docker.listContainers({ all: true, filters: { label: [`${MACHINE_LABEL}=${D}`] } })).length === 0,
      20_000,
    );
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  });
});
