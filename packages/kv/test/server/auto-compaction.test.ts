import { waitUntil } from '@coreos-ts/grpc-kit/testing';
import { CompactedError, KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAutoCompaction } from '../../src/index.js';
import { kvdBackend, requireKvdBuilt } from './backends.js';

describe('--auto-compaction-mode / --auto-compaction-retention', () => {
  let cluster: RunningCluster | undefined;
  afterAll(async () => {
    await cluster?.stop();
  });

  it('parses etcd forms: a duration or hours for periodic, a count for revision, 0 for off', () => {
    expect(parseAutoCompaction('periodic', '1h')).toEqual({ mode: 'periodic', retentionMs: 3_600_000 });
    expect(parseAutoCompaction('periodic', '2')).toEqual({ mode: 'periodic', retentionMs: 7_200_000 });
    expect(parseAutoCompaction('periodic', '1m30s')).toEqual({ mode: 'periodic', retentionMs: 90_000 });
    expect(parseAutoCompaction('revision', '1000')).toEqual({ mode: 'revision', retentionRevisions: 1000 });
    expect(parseAutoCompaction('periodic', '0')).toBeUndefined();
    expect(() => parseAutoCompaction('revision', '1h')).toThrow(/--auto-compaction-retention/);
    expect(() => parseAutoCompaction('daily', '1')).toThrow(/--auto-compaction-mode/);
  });

  it('revision mode keeps the last N revisions and compacts the rest', async () => {
    requireKvdBuilt();
    cluster = await startCluster({
      size: 3,
      binary: kvdBackend.binary,
      args: ['--auto-compaction-mode=revision', '--auto-compaction-retention=10'],
    });
    const client = new KvClient({ endpoints: cluster.endpoints, callTimeoutMs: 5000 });
    try {
      const first = await client.put('ac/k', 'v0');
      let last = first;
      for (let i = 1; i <= 30; i++) last = await client.put('ac/k', `v${i}`);
      const target = last.header.revision - 10n;
      // the leader compacts on its own schedule (every 5 s): wait for it
      await waitUntil(
        `a compaction to revision ${target}`,
        async () => {
          try {
            await client.get('ac/k', { revision: first.header.revision });
            return false;
          } catch (err) {
            return err instanceof CompactedError;
          }
        },
        { timeoutMs: 20_000, intervalMs: 200 },
      );
      const kept = await client.get('ac/k', { revision: target });
      expect(kept.kvs[0]?.valueString).toBe(`v${30 - 10}`);
    } finally {
      client.close();
    }
  }, 60_000);
});
