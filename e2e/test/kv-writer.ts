// The whole story's kv client: one writer putting `prefix<seq>` = `<seq>` one after another,
// every `intervalMs`, through the cluster's endpoints, keeping the writes the store acknowledged;
// and the checks at the end: every acknowledged write is there, every member hashes the same.
import { KvClient } from '@coreos-ts/kv-client';
import { waitReady } from '../src/wait-ready.js';
import { runPeriodically } from './periodic.js';

export interface KvWriter {
  /** key -> value of every acknowledged put. */
  readonly acked: ReadonlyMap<string, string>;
  attempts(): number;
  /** Stops writing; resolves once the write in flight has settled. */
  stop(): Promise<void>;
}

export function startKvWriter(endpoints: readonly string[], prefix: string, intervalMs: number): KvWriter {
  const kv = new KvClient({ endpoints: [...endpoints], dialTimeoutMs: 1_000, callTimeoutMs: 3_000 });
  const acked = new Map<string, string>();
  let seq = 0;
  const loop = runPeriodically(intervalMs, async () => {
    seq += 1;
    const key = `${prefix}${String(seq).padStart(8, '0')}`;
    const value = String(seq);
    try {
      await kv.put(key, value);
      acked.set(key, value);
    } catch {
      // not acknowledged (a member rebooting, an election): it may or may not have landed
    }
  });
  return {
    acked,
    attempts: () => seq,
    stop: async () => {
      await loop.stop();
      kv.close();
    },
  };
}

/** The acknowledged writes missing (or changed) in a linearizable read of the prefix. */
export async function missingWrites(kv: KvClient, prefix: string, acked: ReadonlyMap<string, string>) {
  const found = new Map<string, string>();
  for (const item of (await kv.get(prefix, { prefix: true })).kvs) found.set(item.keyString, item.valueString);
  return [...acked].filter(([key, value]) => found.get(key) !== value).map(([key]) => key);
}

/**
 * Every member's HashKV at one revision (the latest the first endpoint has, once every member
 * has applied it): equal hashes mean equal stores.
 */
export async function memberHashes(kv: KvClient, endpoints: readonly string[]): Promise<Map<string, string>> {
  const revision = (await kv.maintenance.status({ endpoint: endpoints[0] ?? '' })).header.revision;
  const hashes = new Map<string, string>();
  for (const endpoint of endpoints) {
    await waitReady(
      `${endpoint} to apply revision ${revision}`,
      async () => (await kv.maintenance.status({ endpoint })).header.revision >= revision,
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const h = await kv.maintenance.hashKv(revision, { endpoint });
    hashes.set(endpoint, `${h.hash} (compacted at ${h.compactRevision})`);
  }
  return hashes;
}
