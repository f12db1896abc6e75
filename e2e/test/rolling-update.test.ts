// The update story on 3 machines with locksmithd: `publish 2.0.0`, every update-engine writes
// slot B, and locksmithd reboots the machines one at a time through the reboot semaphore in kv.
// Checked throughout: never more than one holder of the semaphore, never two machines rebooting
// at once; at the end every machine runs 2.0.0 from a confirmed slot B and the lock is free.
import { requireTool } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '@coreos-ts/kv-client';
import { cgptShowAttributes } from '@coreos-ts/update-engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from '../src/binaries.js';
import { SEMAPHORE_KEY } from '../src/cluster-status.js';
import type { MachineState } from '../src/machine.js';
import { startTestCluster, type TestCluster } from '../src/test-cluster.js';

const USR_B = 4;

describe('a rolling update coordinated by locksmithd', () => {
  let cluster: TestCluster | undefined;
  let kv: KvClient | undefined;
  const abort = new AbortController();

  beforeAll(async () => {
    requireTool('sgdisk', 'apt-get install gdisk');
    requireTool('cgpt', 'apt-get install cgpt');
    requireBinary('locksmithd');
    cluster = await startTestCluster({ nodes: 3, fleetd: false, locksmithd: true });
  }, 150_000);

  afterAll(async () => {
    abort.abort();
    kv?.close();
    await cluster?.stop();
  }, 30_000);

  it('reboots the machines into 2.0.0 one at a time', async () => {
    const t = cluster;
    if (t === undefined) throw new Error('the cluster did not start');

    // checker: machines between 'stopping' and 'up' at the same time
    let rebooting = 0;
    let rebootingMax = 0;
    for (const m of t.machines) {
      let down = false;
      m.events.on('state', (state: MachineState) => {
        if (state === 'stopping' && !down) {
          down = true;
          rebooting += 1;
          rebootingMax = Math.max(rebootingMax, rebooting);
        } else if (state === 'up' && down) {
          down = false;
          rebooting -= 1;
        }
      });
    }
    // checker: holders of the reboot semaphore, from every change of its key
    kv = new KvClient({ endpoints: [...t.info.kvEndpoints] });
    let holdersMax = 0;
    let holders: string[] = [];
    const lockFreed = new Set<() => void>();
    const watching = (async () => {
      for await (const batch of kv.watch(SEMAPHORE_KEY, { signal: abort.signal })) {
        for (const event of batch.events) {
          if (event.type !== 'put') continue;
          holders = (JSON.parse(event.kv.valueString) as { holders: string[] | null }).holders ?? [];
          holdersMax = Math.max(holdersMax, holders.length);
          if (holders.length === 0) for (const resolve of lockFreed) resolve();
        }
      }
    })().catch((err: Error) => {
      if (!abort.signal.aborted) throw err;
    });

    await t.publish('2.0.0');
    const boots = await Promise.all(
      t.machines.map((m) => t.waitForBoot(m.name, (b) => b.version === '2.0.0', 180_000)),
    );
    for (const b of boots) expect(b).toMatchObject({ slot: 'B', bootCount: 2 });
    await t.waitForRollout((p) => p.version === '2.0.0' && p.succeeded === 3, 60_000);
    // the last machine gives its slot back after its boot
    if (holders.length > 0) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`lock still held by ${holders.join(', ')}`)), 60_000);
        lockFreed.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }

    expect(rebootingMax).toBe(1);
    expect(holdersMax).toBe(1);
    for (const m of t.machines) expect(cgptShowAttributes(m.diskPath, USR_B)).toMatchObject({ successful: 1 });
    abort.abort();
    await watching;
  }, 300_000);
});
