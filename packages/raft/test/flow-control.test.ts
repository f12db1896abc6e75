import { describe, expect, it } from 'vitest';
import { type Logger, MessageType } from '../src/index.js';
import { payloadSize } from '../src/types.js';
import { TestCluster } from './harness/cluster.js';

function leaderSends(c: TestCluster, to: bigint) {
  const rd = c.get(1n).node.ready();
  c.get(1n).storage.append(rd.entries);
  if (rd.hardState !== undefined) c.get(1n).storage.setHardState(rd.hardState);
  c.get(1n).node.advance(rd);
  for (const m of rd.messages) c.get(m.to).node.step(m);
  return rd.messages.filter((m) => m.type === MessageType.MsgApp && m.to === to && m.entries.length > 0);
}

describe('flow control', () => {
  it('pipelining to a replicating follower stops at maxInflightMsgs', () => {
    const c = new TestCluster([1n, 2n, 3n], (cfg) => {
      cfg.maxInflightMsgs = 3;
    });
    c.elect(1n);
    for (let i = 0; i < 10; i++) c.propose(1n, `e${i}`);
    expect(leaderSends(c, 2n)).toHaveLength(3);
    expect(c.get(1n).node.status().progress?.get(2n)?.inflightCount).toBe(3);
    c.stabilize();
    expect(c.appliedData(2n)).toHaveLength(10);
  });

  it('pipelining stops once maxInflightBytes of payload are in flight', () => {
    const c = new TestCluster([1n, 2n, 3n], (cfg) => {
      cfg.maxSizePerMsg = 100;
      cfg.maxInflightBytes = 200;
    });
    c.elect(1n);
    for (let i = 0; i < 10; i++) c.propose(1n, 'x'.repeat(60));
    const apps = leaderSends(c, 2n);
    const bytes = apps.reduce((s, m) => s + payloadSize(m.entries), 0);
    // The window closes at the first message that reaches the byte limit.
    expect(bytes).toBeGreaterThanOrEqual(200);
    expect(bytes - payloadSize(apps[apps.length - 1]!.entries)).toBeLessThan(200);
    c.stabilize();
    expect(c.appliedData(2n)).toHaveLength(10);
  });

  it('committed entries per Ready are bounded by maxCommittedSizePerReady', () => {
    const c = new TestCluster([1n, 2n, 3n], (cfg) => {
      cfg.maxCommittedSizePerReady = 100;
    });
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 10; i++) c.propose(1n, 'y'.repeat(50));
    c.stabilize();
    c.heal();
    c.tick(1n, 1);
    // Deliver until node 3 has everything committed, then drain its Readys one by one.
    for (let i = 0; i < 10; i++) {
      c.processReady(1n);
      c.deliverAll((m) => m.to === 3n || m.from === 3n);
      const n3 = c.get(3n);
      if (n3.node.raft.raftLog.committed > n3.node.raft.raftLog.applied) break;
      c.processReady(3n);
    }
    const sizes: number[] = [];
    const n3 = c.get(3n);
    while (n3.node.hasReady()) {
      const rd = n3.node.ready();
      n3.storage.append(rd.entries);
      if (rd.hardState !== undefined) n3.storage.setHardState(rd.hardState);
      if (rd.committedEntries.length > 0) sizes.push(rd.committedEntries.length);
      n3.node.advance(rd);
    }
    expect(sizes.length).toBeGreaterThan(2);
    for (const s of sizes) expect(s).toBeLessThanOrEqual(2);
  });

  it('logs role changes through the injected logger with constant messages', () => {
    const lines: string[] = [];
    const logger: Logger = {
      debug() {},
      info: (_f, msg) => lines.push(msg),
      warn: (_f, msg) => lines.push(msg),
    };
    const c = new TestCluster([1n, 2n, 3n], (cfg) => {
      cfg.logger = logger;
    });
    c.elect(1n);
    expect(lines).toContain('became leader');
    expect(lines).toContain('became pre-candidate');
  });
});
