import { describe, expect, it } from 'vitest';
import {
  ConfChangeType,
  defaultConfig,
  isRaftError,
  MemoryStorage,
  MessageType,
  newMessage,
  RawNode,
  StateType,
} from '../src/index.js';
import { Rng } from '../src/testing/rng.js';
import { TestCluster } from './harness/cluster.js';

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (isRaftError(e)) return e.code;
    throw e;
  }
  return undefined;
}

describe('RawNode', () => {
  it('refuses local message types from the network and responses from unknown peers', () => {
    const n = new RawNode(defaultConfig(1n, new Rng(1).asFunction()), new MemoryStorage());
    n.bootstrap([1n, 2n]);
    expect(code(() => n.step(newMessage({ type: MessageType.MsgHup, from: 2n, to: 1n })))).toBe('StepLocalMsg');
    expect(code(() => n.step(newMessage({ type: MessageType.MsgAppResp, from: 9n, to: 1n, term: 1 })))).toBe(
      'StepPeerNotFound',
    );
  });

  it('bootstrap needs peers and an empty storage', () => {
    const s = new MemoryStorage();
    const n = new RawNode(defaultConfig(1n, new Rng(1).asFunction()), s);
    expect(code(() => n.bootstrap([]))).toBe('NotBootstrappable');
    n.bootstrap([1n]);
    const rd = n.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 0n, commit: 1 });
    expect(rd.committedEntries).toHaveLength(1);
    s.append(rd.entries);
    s.setHardState(rd.hardState!);
    n.advance(rd);
    const again = new RawNode(defaultConfig(1n, new Rng(1).asFunction()), s);
    expect(code(() => again.bootstrap([1n]))).toBe('NotBootstrappable');
  });

  it('restarts from storage with its term, vote, log and configuration', () => {
    const s = new MemoryStorage();
    const n = new RawNode(defaultConfig(1n, new Rng(1).asFunction()), s);
    n.bootstrap([1n]);
    const drain = () => {
      while (n.hasReady()) {
        const rd = n.ready();
        s.append(rd.entries);
        if (rd.hardState !== undefined) s.setHardState(rd.hardState);
        for (const e of rd.committedEntries) {
          if (e.type === 1) n.applyConfChange({ type: ConfChangeType.AddNode, nodeId: 1n, context: new Uint8Array(0) });
        }
        n.advance(rd);
      }
    };
    drain();
    n.campaign();
    drain();
    n.propose(new TextEncoder().encode('x'));
    drain();
    const st = n.status();
    expect(st.softState.raftState).toBe(StateType.Leader);
    // Restart with applied = the snapshot index (0): committed entries are replayed, and
    // with them the conf changes, since MemoryStorage's ConfState comes from its snapshot.
    const r = new RawNode(defaultConfig(1n, new Rng(2).asFunction()), s);
    const st2 = r.status();
    expect(st2.hardState).toEqual(st.hardState);
    expect(r.raft.raftLog.lastIndex()).toBe(3);
    const rd = r.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(rd.entries).toEqual([]);
    expect(r.applyConfChange({ type: ConfChangeType.AddNode, nodeId: 1n, context: new Uint8Array(0) }).voters).toEqual([
      1n,
    ]);
    r.advance(rd);
    expect(r.hasReady()).toBe(false);
  });

  it('asserts that ready() is followed by advance()', () => {
    const n = new RawNode(defaultConfig(1n, new Rng(1).asFunction()), new MemoryStorage());
    n.bootstrap([1n]);
    n.ready();
    expect(() => n.ready()).toThrow(/before advance/);
  });
});

describe('bounds', () => {
  it('a leader holds at most 4096 pending read requests', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(1n);
    const n = c.get(1n).node;
    const ctx = (i: number) => new TextEncoder().encode(`r${i}`);
    for (let i = 0; i < 4096; i++) n.readIndex(ctx(i));
    expect(code(() => n.readIndex(ctx(4096)))).toBe('ReadIndexDropped');
  });
});

describe('stepping between ready() and advance()', () => {
  it('keeps the log and commit consistent when messages arrive while a Ready is being persisted', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    const leader = c.get(1n);
    c.propose(1n, 'a');
    const rd1 = leader.node.ready();
    // Followers get the MsgApps and answer before the leader has persisted or advanced.
    for (const m of rd1.messages) c.get(m.to).node.step(m);
    c.processReady(2n);
    c.processReady(3n);
    c.propose(1n, 'b');
    c.deliverAll((m) => m.to === 1n); // acks for 'a' reach the leader mid-Ready
    leader.storage.append(rd1.entries);
    if (rd1.hardState !== undefined) leader.storage.setHardState(rd1.hardState);
    leader.node.advance(rd1);
    c.stabilize();
    for (const id of [1n, 2n, 3n]) expect(c.appliedData(id)).toEqual(['a', 'b']);
    expect(leader.storage.lastIndex()).toBe(leader.node.raft.raftLog.lastIndex());
  });
});

describe('snapshots', () => {
  it('a follower behind the compaction point installs a snapshot, then catches up by appends', () => {
    const c = new TestCluster([1n, 2n, 3n]);
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 5; i++) c.propose(1n, `s${i}`);
    c.stabilize();
    const leader = c.get(1n);
    const applied = leader.node.status().applied;
    leader.storage.createSnapshot(applied, leader.node.status().config, new Uint8Array([42]));
    leader.storage.compact(applied);
    c.heal();
    c.propose(1n, 'after');
    c.stabilize();
    const snaps = c.delivered.filter((m) => m.type === MessageType.MsgSnap && m.to === 3n);
    expect(snaps).toHaveLength(1);
    expect(c.get(3n).storage.snapshot().metadata.index).toBe(applied);
    expect(c.get(3n).node.status().applied).toBe(leader.node.status().applied);
    expect(c.appliedData(3n)).toEqual(['after']);
  });
});
