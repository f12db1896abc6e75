import { defaultConfig } from '../config.js';
import { MemoryStorage } from '../memory-storage.js';
import { RawNode } from '../raw-node.js';
import { type Message, type NodeId, StateType } from '../types.js';
import { Rng } from './rng.js';

/**
 * Throughput of the core alone: a 3-node cluster in memory, messages delivered at once,
 * 128-byte entries proposed in batches at the leader. `node dist/testing/bench.js [--entries N] [--batch B]`.
 */
export interface BenchResult {
  entries: number;
  seconds: number;
  entriesPerSecond: number;
  readies: number;
  microsPerReady: number;
}

export function runBench(totalEntries: number, batch: number): BenchResult {
  const rng = new Rng(42);
  const ids: NodeId[] = [1n, 2n, 3n];
  const storages = new Map<NodeId, MemoryStorage>();
  const nodes = new Map<NodeId, RawNode>();
  for (const id of ids) {
    const s = new MemoryStorage();
    const c = defaultConfig(id, rng.fork().asFunction());
    c.maxInflightMsgs = 512;
    c.maxSizePerMsg = 4 << 20;
    const n = new RawNode(c, s);
    n.bootstrap(ids);
    storages.set(id, s);
    nodes.set(id, n);
  }
  let queue: Message[] = [];
  let readies = 0;
  let readyNanos = 0n;
  let leaderApplied = 0;
  const pump = (): boolean => {
    let any = false;
    for (const id of ids) {
      const n = nodes.get(id)!;
      if (!n.hasReady()) continue;
      any = true;
      const t0 = process.hrtime.bigint();
      const rd = n.ready();
      const s = storages.get(id)!;
      if (rd.snapshot !== undefined) s.applySnapshot(rd.snapshot);
      s.append(rd.entries);
      if (rd.hardState !== undefined) s.setHardState(rd.hardState);
      for (const m of rd.messages) queue.push(m);
      if (id === 1n) leaderApplied += rd.committedEntries.length;
      n.advance(rd);
      readyNanos += process.hrtime.bigint() - t0;
      readies++;
    }
    const msgs = queue;
    queue = [];
    for (const m of msgs) nodes.get(m.to)!.step(m);
    return any || msgs.length > 0;
  };
  const leader = nodes.get(1n)!;
  while (pump()) {
    // apply the bootstrap configuration
  }
  leader.campaign();
  while (pump()) {
    // elect
  }
  if (leader.status().softState.raftState !== StateType.Leader) throw new Error('node 1 did not become leader');
  const payload = new Uint8Array(128).fill(7);
  const datas: Uint8Array[] = new Array(batch).fill(payload);
  const base = leaderApplied;
  readies = 0;
  readyNanos = 0n;
  const t0 = performance.now();
  let proposed = 0;
  while (leaderApplied - base < totalEntries) {
    if (proposed < totalEntries) {
      leader.proposeBatch(datas);
      proposed += batch;
    }
    pump();
    // Compact now and then so storage stays small, as a server would after snapshots.
    if (readies % 512 === 0) {
      for (const s of storages.values()) {
        const last = s.hardStateNow().commit;
        if (last - s.firstIndex() > 100_000) s.compact(last - 1000);
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const entries = leaderApplied - base;
  return {
    entries,
    seconds,
    entriesPerSecond: entries / seconds,
    readies,
    microsPerReady: Number(readyNanos / 1000n) / readies,
  };
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

if (process.argv[1]?.endsWith('bench.js')) {
  const r = runBench(arg('entries', 1_000_000), arg('batch', 256));
  process.stdout.write(
    `entries: ${r.entries}, seconds: ${r.seconds.toFixed(2)}, entries/s: ${Math.round(r.entriesPerSecond)}, ` +
      `readies: ${r.readies}, us/ready: ${r.microsPerReady.toFixed(1)}\n`,
  );
}
