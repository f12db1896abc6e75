// Probes of single kv members for the partition scenario: who a member follows, whether a write
// through it commits. Each client talks to that member only (no failover) and every call has a
// deadline. Probes write keys of their own, outside the workload's registers.
import { KvClient } from '@coreos-ts/kv-client';
import { waitReady } from '../src/wait-ready.js';

function memberClient(endpoint: string, callTimeoutMs: number): KvClient {
  return new KvClient({ endpoints: [endpoint], dialTimeoutMs: 500, callTimeoutMs });
}

/** Member ids -> machine names, asked of the (healthy) cluster. */
export async function memberNames(endpoints: readonly string[]): Promise<Map<bigint, string>> {
  const kv = new KvClient({ endpoints: [...endpoints], dialTimeoutMs: 500, callTimeoutMs: 3_000 });
  try {
    const { members } = await kv.cluster.memberList();
    return new Map(members.map((m) => [m.id, m.name]));
  } finally {
    kv.close();
  }
}

/** The leader `endpoint`'s member knows of (its name), or null when it knows none. */
export async function leaderSeenBy(endpoint: string, names: ReadonlyMap<bigint, string>): Promise<string | null> {
  const kv = memberClient(endpoint, 2_000);
  try {
    const { leader } = await kv.maintenance.status({ endpoint });
    return leader === 0n ? null : (names.get(leader) ?? `unknown member ${leader.toString(16)}`);
  } finally {
    kv.close();
  }
}

/** Rejects unless a write through `endpoint` fails within `timeoutMs` (a member without quorum). */
export async function writeRefused(endpoint: string, key: string, timeoutMs: number): Promise<Error> {
  const kv = memberClient(endpoint, timeoutMs);
  try {
    await kv.put(key, 'written without a quorum');
  } catch (err) {
    return err as Error;
  } finally {
    kv.close();
  }
  throw new Error(`a write through ${endpoint} committed: its side of the partition has no quorum`);
}

/**
 * Resolves once a write through `endpoint` commits: a member back from a partition rejoins its
 * cluster (reconnects to its peers) in its own time, which offers no event, so this polls, bounded.
 */
export async function writeAccepted(endpoint: string, key: string, timeoutMs: number): Promise<void> {
  const kv = memberClient(endpoint, 2_000);
  try {
    await waitReady(
      `a write through ${endpoint}`,
      async () => {
        await kv.put(key, 'written after the heal');
        return true;
      },
      { timeoutMs, intervalMs: 200 },
    );
  } finally {
    kv.close();
  }
}
