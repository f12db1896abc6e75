import { closeSync, openSync, readdirSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { KvClient } from '@coreos-ts/kv-client';
import { type ClusterMember, type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvdBackend, requireKvdBuilt } from './backends.js';

// Nothing acknowledged is lost: writers run while members are killed with SIGKILL (the
// leader, a follower, then all at once), a member's WAL gets a torn tail, and at the end every
// acknowledged write is there and every member has the same HashKV.

const WRITERS = 4;

interface Load {
  acked: Map<string, string>;
  stop(): Promise<void>;
}

function startLoad(client: KvClient): Load {
  const acked = new Map<string, string>();
  let running = true;
  const writer = async (w: number) => {
    for (let seq = 0; running; seq++) {
      const key = `crash/${w}/${seq}`;
      try {
        await client.put(key, `v${seq}`, { timeoutMs: 3000 });
        acked.set(key, `v${seq}`);
      } catch {
        // unknown or refused: not acknowledged, so it may or may not be there
      }
    }
  };
  const done = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  return {
    acked,
    async stop() {
      running = false;
      await done;
    },
  };
}

async function leaderOf(cluster: RunningCluster): Promise<ClusterMember> {
  for (const m of cluster.members) {
    if (!m.running) continue;
    const c = new KvClient({ endpoints: [m.clientUrl], callTimeoutMs: 2000 });
    try {
      const s = await c.maintenance.status({ endpoint: m.clientUrl });
      if (s.leader !== 0n && s.leader === s.header.memberId) return m;
    } catch {
      // this one is not answering; ask the next
    } finally {
      c.close();
    }
  }
  throw new Error('no member reports itself leader');
}

/** Waits until `n` more writes were acknowledged: the cluster is making progress. */
async function progress(load: Load, n: number): Promise<void> {
  const target = load.acked.size + n;
  const deadline = Date.now() + 30_000;
  while (load.acked.size < target) {
    if (Date.now() > deadline) throw new Error(`no progress: ${load.acked.size}/${target} acknowledged`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Leaves a torn record after the newest WAL segment's written data, as a write cut off by the
 * power failing would: the first part of a batch (non-zero bytes that never got their checksum
 * right) where the next batch would have gone. It was never synced, so nothing it held was
 * acknowledged; chopping bytes off synced records instead would be a disk losing acknowledged data,
 * which no store survives on the member that made the quorum.
 */
function tearWalTail(dataDir: string): number {
  const walDir = join(dataDir, 'member', 'wal');
  const last = readdirSync(walDir)
    .filter((n) => n.endsWith('.wal'))
    .sort()
    .at(-1);
  if (!last) throw new Error(`no wal segment in ${walDir}`);
  const path = join(walDir, last);
  const bytes = readFileSync(path);
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  const at = Math.ceil(end / 8) * 8; // batches start 8-byte aligned
  const torn = Buffer.alloc(37, 0xa5);
  torn.writeUInt32LE(torn.length * 3, 0); // a length that runs past what was written
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, torn, 0, torn.length, at);
  } finally {
    closeSync(fd);
  }
  return torn.length;
}

describe('kvd crash safety', () => {
  let cluster: RunningCluster;
  let client: KvClient;

  beforeAll(async () => {
    requireKvdBuilt();
    cluster = await startCluster({ size: 3, binary: kvdBackend.binary, readyTimeoutMs: 30_000 });
    client = new KvClient({ endpoints: cluster.endpoints, callTimeoutMs: 5000 });
  });
  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('keeps every acknowledged write through kill -9 of the leader, a follower, all members, and a torn WAL', async () => {
    const load = startLoad(client);
    try {
      await progress(load, 50);

      const leader = await leaderOf(cluster);
      await leader.kill('SIGKILL');
      await progress(load, 50);
      await leader.restart();

      const currentLeader = await leaderOf(cluster);
      const aFollower = cluster.members.find((m) => m !== currentLeader);
      if (!aFollower) throw new Error('no follower');
      await aFollower.kill('SIGKILL');
      await progress(load, 50);
      await aFollower.restart();
      await progress(load, 50);

      await Promise.all(cluster.members.map((m) => m.kill('SIGKILL')));
      const torn = cluster.members[1] as ClusterMember;
      expect(tearWalTail(torn.dataDir)).toBeGreaterThan(0);
      await Promise.all(cluster.members.map((m) => m.restart()));
      await progress(load, 50);
      expect(torn.log()).toContain('wal torn tail truncated');
    } finally {
      await load.stop();
    }

    expect(load.acked.size).toBeGreaterThan(250);
    const all = await client.get('crash/', { prefix: true });
    const stored = new Map(all.kvs.map((kv) => [kv.key.toString(), kv.value.toString()]));
    const missing = [...load.acked].filter(([k, v]) => stored.get(k) !== v);
    expect(missing).toEqual([]);

    // every member applied the same history: equal HashKV at one revision
    const revision = all.header.revision;
    const hashes: number[] = [];
    for (const m of cluster.members) {
      const c = new KvClient({ endpoints: [m.clientUrl], callTimeoutMs: 5000 });
      try {
        // a member may still be applying: wait until it reached the revision
        const deadline = Date.now() + 20_000;
        for (;;) {
          const s = await c.get('crash/', { prefix: true, serializable: true, countOnly: true });
          if (s.header.revision >= revision) break;
          if (Date.now() > deadline) throw new Error(`${m.name} stuck at revision ${s.header.revision}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        hashes.push((await c.maintenance.hashKv(revision, { endpoint: m.clientUrl })).hash);
      } finally {
        c.close();
      }
    }
    expect(new Set(hashes).size).toBe(1);
  }, 240_000);
});
