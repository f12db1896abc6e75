// Scenarios 2 and 3 on one machine (locksmithd and fleetd off, so the harness decides when it
// reboots): an update to 2.0.0 is downloaded into slot B, booted and confirmed; then a bad
// 3.0.0 is booted from slot A, fails its health check, and the machine rolls back to 2.0.0.
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { updateenginepb } from '@coreos-ts/proto';
import { cgptShowAttributes } from '@coreos-ts/update-engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';
import { waitReady } from '../src/wait-ready.js';
import { requireBuiltCli, runCli } from './cli.js';

const NEED_REBOOT = updateenginepb.UpdateStatus.UPDATE_STATUS_UPDATED_NEED_REBOOT;
const USR_A = 3;
const USR_B = 4;
/** update_engine's error codes the server should hear. */
const ERROR_HEALTH_CHECK = 1;
const ERROR_ROLLBACK = 44;

describe('updates of one machine', () => {
  let cluster: TestCluster | undefined;
  const c = () => {
    if (cluster === undefined) throw new Error('the cluster did not start');
    return cluster;
  };

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireTool('cgpt', 'apt-get install cgpt');
    requireBuiltCli();
    cluster = await startTestCluster({ nodes: 1, fleetd: false, locksmithd: false });
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  it('downloads 2.0.0 into slot B, reboots into it, and confirms it', async () => {
    const t = c();
    const disk = t.machine('m1').diskPath;
    await t.publish('2.0.0');
    const need = await t.waitForUpdateStatus(
      'm1',
      (s) => s.currentOperation === NEED_REBOOT && s.newVersion === '2.0.0',
      60_000,
    );
    expect(need.runningVersion).toBe('1.0.0');
    expect(cgptShowAttributes(disk, USR_B)).toEqual({ priority: 2, tries: 1, successful: 0 });

    // the harness reboots it (locksmithd would, in the whole story): through the CLI
    await runCli(['reboot', 'm1', '--dir', t.dir]);
    expect(t.machine('m1').lastBoot).toMatchObject({ bootCount: 2, slot: 'B', version: '2.0.0' });

    // confirmed: the server hears UpdateComplete; slot B is marked successful
    const progress = await t.waitForRollout((p) => p.version === '2.0.0' && p.succeeded === 1, 30_000);
    expect(progress.failed).toBe(0);
    expect(cgptShowAttributes(disk, USR_B)).toEqual({ priority: 2, tries: 0, successful: 1 });
    const [instance] = await t.admin.listInstances();
    expect(instance).toMatchObject({
      machineId: t.machine('m1').config.machineId,
      version: '2.0.0',
      statusName: 'Complete',
    });
    const engine = t.updateEngine('m1');
    try {
      const info = await engine.bootInfo();
      expect(info).toMatchObject({ bootedSlot: 'B', runningVersion: '2.0.0', pendingVersion: '' });
    } finally {
      engine.close();
    }
  }, 120_000);

  it('boots a bad 3.0.0 from slot A, fails its health check and rolls back to 2.0.0', async () => {
    const t = c();
    const machine = t.machine('m1');
    const disk = machine.diskPath;
    const before = machine.lastBoot?.bootCount ?? 0;
    await t.publish('3.0.0', { bad: true });
    await t.waitForUpdateStatus('m1', (s) => s.currentOperation === NEED_REBOOT && s.newVersion === '3.0.0', 60_000);
    expect(cgptShowAttributes(disk, USR_A)).toEqual({ priority: 2, tries: 1, successful: 0 });

    const badBoot = t.waitForBoot('m1', (b) => b.bootCount === before + 1, 60_000);
    const rollbackBoot = t.waitForBoot('m1', (b) => b.bootCount === before + 2, 90_000);
    await t.reboot('m1');
    expect(await badBoot).toMatchObject({ slot: 'A', version: '3.0.0' });
    // the failed health check makes update-engine run its reboot command: the machine reboots
    // itself, and the bootloader skips slot A (no tries left, not successful)
    expect(await rollbackBoot).toMatchObject({ slot: 'B', version: '2.0.0' });
    await t.cluster.waitServing(machine);

    const progress = await t.waitForRollout((p) => p.version === '3.0.0' && p.halted, 30_000);
    expect(progress.failed).toBe(1);
    expect(progress.succeeded).toBe(0);
    expect(cgptShowAttributes(disk, USR_A)).toEqual({ priority: 2, tries: 0, successful: 0 });
    expect(cgptShowAttributes(disk, USR_B)).toMatchObject({ successful: 1 });

    // the server records the failed health check, then the rollback (reported by the next check)
    const events = await waitReady(
      'the rollback report',
      async () => {
        const list = await t.admin.listEvents(machine.config.machineId);
        return list.some((e) => e.errorCode === ERROR_ROLLBACK) ? list : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    expect(events.some((e) => e.errorCode === ERROR_HEALTH_CHECK && e.version === '3.0.0')).toBe(true);
    const [instance] = await t.admin.listInstances();
    expect(instance).toMatchObject({ version: '2.0.0', statusName: 'Error', targetVersion: '3.0.0' });
    const engine = t.updateEngine('m1');
    try {
      expect(await engine.bootInfo()).toMatchObject({ bootedSlot: 'B', runningVersion: '2.0.0' });
    } finally {
      engine.close();
    }
  }, 180_000);
});
