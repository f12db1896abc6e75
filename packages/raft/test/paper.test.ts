import { describe, expect, it } from 'vitest';
import {
  ConfChangeType,
  defaultConfig,
  EntryType,
  encodeConfChange,
  isRaftError,
  MemoryStorage,
  MessageType,
  newMessage,
  RawNode,
  StateType,
} from '../src/index.js';
import { Rng } from '../src/testing/rng.js';
import { TestCluster } from './harness/cluster.js';

const plain = (c: { preVote: boolean; checkQuorum: boolean }) => {
  c.preVote = false;
  c.checkQuorum = false;
};

describe('§5.2 leader election', () => {
  it('a follower campaigns after a randomized timeout in [electionTick, 2*electionTick)', () => {
    const seen = new Set<number>();
    for (let seed = 1; seed <= 40; seed++) {
      const c = new TestCluster([1n, 2n, 3n], plain, seed);
      let ticks = 0;
      while (c.raft(1n).state === StateType.Follower) {
        c.tick(1n, 1);
        ticks++;
        expect(ticks).toBeLessThan(20);
      }
      expect(ticks).toBeGreaterThanOrEqual(10);
      seen.add(ticks);
    }
    // Randomized: not every node times out at the same tick.
    expect(seen.size).toBeGreaterThan(3);
  });

  it('a candidate that gets a majority of votes becomes leader and others follow', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    expect(c.raft(1n).term).toBe(2);
    expect(c.raft(2n).lead).toBe(1n);
    expect(c.raft(3n).lead).toBe(1n);
  });

  it('the vote is persisted in the same Ready as the vote response (persist before send)', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.get(1n).node.campaign();
    c.processReady(1n);
    c.deliverAll();
    const rd = c.get(2n).node.ready();
    expect(rd.hardState?.vote).toBe(1n);
    expect(rd.mustSync).toBe(true);
    expect(rd.messages.map((m) => m.type)).toEqual([MessageType.MsgVoteResp]);
  });

  it('a node grants at most one vote per term, also after a restart', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.get(1n).node.campaign();
    c.processReady(1n);
    c.deliverAll((m) => m.to === 2n);
    c.processReady(2n);
    c.restart(2n);
    c.get(2n).node.step(newMessage({ type: MessageType.MsgVote, from: 3n, to: 2n, term: 2, index: 1, logTerm: 1 }));
    const rd = c.get(2n).node.ready();
    expect(rd.messages).toHaveLength(1);
    expect(rd.messages[0]!.reject).toBe(true);
  });

  it('a candidate rejected by a majority returns to follower; a split vote leads to a new term', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    // 2 and 3 campaign at once while 1 is unreachable: each votes for itself, nobody wins.
    c.isolate(1n);
    c.get(2n).node.campaign();
    c.get(3n).node.campaign();
    c.stabilize();
    expect(c.raft(2n).state).toBe(StateType.Candidate);
    expect(c.raft(3n).state).toBe(StateType.Candidate);
    expect(c.raft(2n).term).toBe(2);
    c.heal();
    for (let i = 0; i < 40 && ![...c.nodes.keys()].some((id) => c.raft(id).state === StateType.Leader); i++) {
      for (const id of c.nodes.keys()) c.tick(id, 1);
      c.stabilize();
    }
    const leaders = [...c.nodes.keys()].filter((id) => c.raft(id).state === StateType.Leader);
    expect(leaders).toHaveLength(1);
    expect(c.raft(leaders[0]!).term).toBeGreaterThan(2);
  });
});

describe('§5.3 log replication', () => {
  it('commits an entry once a majority stored it and applies it everywhere', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.isolate(3n);
    c.propose(1n, 'x');
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['x']);
    expect(c.appliedData(2n)).toEqual(['x']);
    expect(c.appliedData(3n)).toEqual([]);
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(3n)).toEqual(['x']);
  });

  it('the leader counts its own entries only once persisted (advance)', () => {
    const storage = new MemoryStorage();
    const n = new RawNode(defaultConfig(1n, new Rng(1).asFunction()), storage);
    n.bootstrap([1n]);
    let rd = n.ready();
    storage.append(rd.entries);
    n.advance(rd);
    n.campaign();
    rd = n.ready();
    expect(rd.softState?.raftState).toBe(StateType.Leader);
    expect(rd.entries.map((e) => e.index)).toEqual([2]);
    expect(rd.committedEntries).toEqual([]);
    storage.append(rd.entries);
    n.advance(rd);
    rd = n.ready();
    expect(rd.committedEntries.map((e) => e.index)).toEqual([2]);
    expect(rd.hardState?.commit).toBe(2);
  });

  it('truncates conflicting entries of a deposed leader and converges (log matching)', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.isolate(1n);
    c.propose(1n, 'lost-a');
    c.propose(1n, 'lost-b');
    c.stabilize();
    c.elect(2n);
    c.propose(2n, 'kept');
    c.stabilize();
    c.heal();
    c.tick(2n, 1);
    c.stabilize();
    const ents = (id: bigint) =>
      c
        .raft(id)
        .raftLog.allEntries()
        .map((e) => `${e.term}/${e.index}`);
    expect(ents(1n)).toEqual(ents(2n));
    expect(c.appliedData(1n)).toEqual(['kept']);
  });

  it('fast back-off skips a whole conflicting term in one round trip', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.isolate(1n);
    for (let i = 0; i < 30; i++) c.propose(1n, `stale${i}`);
    c.stabilize();
    c.elect(2n);
    for (let i = 0; i < 5; i++) c.propose(2n, `new${i}`);
    c.stabilize();
    c.heal();
    const before = c.delivered.length;
    c.tick(2n, 1);
    c.stabilize();
    const rejections = c.delivered.slice(before).filter((m) => m.type === MessageType.MsgAppResp && m.reject);
    expect(rejections.length).toBeLessThanOrEqual(2);
    expect(c.appliedData(1n)).toEqual(['new0', 'new1', 'new2', 'new3', 'new4']);
  });

  it('bounds the entries per MsgApp by maxSizePerMsg', () => {
    const c = new TestCluster([1n, 2n, 3n], (cfg) => {
      plain(cfg);
      cfg.maxSizePerMsg = 100;
    });
    c.elect(1n);
    c.isolate(3n);
    for (let i = 0; i < 20; i++) c.propose(1n, 'x'.repeat(40));
    c.stabilize();
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    const apps = c.delivered.filter((m) => m.type === MessageType.MsgApp && m.to === 3n && m.entries.length > 0);
    expect(apps.length).toBeGreaterThan(5);
    for (const m of apps) expect(m.entries.length).toBeLessThanOrEqual(2);
    expect(c.appliedData(3n)).toHaveLength(20);
  });
});

describe('§5.4 safety', () => {
  it('election restriction: a candidate with a stale log gets no votes', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.isolate(3n);
    c.propose(1n, 'x');
    c.stabilize();
    c.heal();
    c.isolate(1n);
    c.get(3n).node.campaign();
    c.stabilize();
    expect(c.raft(3n).state).not.toBe(StateType.Leader);
    c.get(2n).node.campaign();
    c.stabilize();
    expect(c.raft(2n).state).toBe(StateType.Leader);
  });

  it('an entry of an earlier term is not committed by counting replicas (Figure 8)', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.isolate(1n);
    c.propose(1n, 'old'); // term 2 entry, only on node 1
    c.stabilize();
    // Node 1 replicates its old-term entry to 2 after winning term 4, but the entry commits
    // only together with the current term's entry.
    c.heal();
    c.isolate(3n);
    c.get(2n).node.campaign(); // term 3, fails: 1 has a longer log
    c.stabilize();
    c.elect(1n);
    const r = c.raft(1n);
    expect(r.raftLog.committed).toBe(r.raftLog.lastIndex());
    const committedTerm = r.raftLog.term(r.raftLog.committed);
    expect(committedTerm).toBe(r.term);
    expect(c.appliedData(2n)).toEqual(['old']);
    // The maybeCommit rule itself: a majority match on an old-term index does not commit.
    expect(r.raftLog.maybeCommit(r.raftLog.committed, r.term - 1)).toBe(false);
  });
});

describe('§6 cluster membership changes', () => {
  it('a conf change takes effect when applied, not when appended', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.get(1n).node.proposeConfChange({ type: ConfChangeType.RemoveNode, nodeId: 3n, context: new Uint8Array(0) });
    const rd = c.get(1n).node.ready();
    expect(rd.entries.some((e) => e.type === EntryType.ConfChange)).toBe(true);
    expect(c.raft(1n).prs.confState().voters).toEqual([1n, 2n, 3n]);
    c.get(1n).storage.append(rd.entries);
    for (const m of rd.messages) c.get(m.to).node.step(m);
    c.get(1n).node.advance(rd);
    c.stabilize();
    expect(c.raft(1n).prs.confState().voters).toEqual([1n, 2n]);
  });

  it('only one conf change may be pending: a second is replaced by an empty entry', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    const n = c.get(1n).node;
    n.proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 4n, context: new Uint8Array(0) });
    n.proposeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: 5n, context: new Uint8Array(0) });
    const ents = n.ready().entries;
    expect(ents.map((e) => e.type)).toEqual([EntryType.ConfChange, EntryType.Normal]);
  });

  it('two conf changes in one proposal: the second is refused too', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    const cc = (id: bigint) => ({
      term: 0,
      index: 0,
      type: EntryType.ConfChange,
      data: encodeConfChange({ type: ConfChangeType.AddLearnerNode, nodeId: id, context: new Uint8Array(0) }),
    });
    c.raft(1n).step(newMessage({ type: MessageType.MsgProp, from: 1n, entries: [cc(4n), cc(5n)] }));
    const ents = c.get(1n).node.ready().entries;
    expect(ents.map((e) => e.type)).toEqual([EntryType.ConfChange, EntryType.Normal]);
    expect(c.raft(1n).pendingConfIndex).toBe(ents[0]!.index);
  });

  it('in a joint configuration, commit needs a majority of both the old and new voters', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.get(1n).node.proposeConfChange({
      transition: 2,
      changes: [
        { type: ConfChangeType.RemoveNode, nodeId: 2n },
        { type: ConfChangeType.RemoveNode, nodeId: 3n },
        { type: ConfChangeType.AddLearnerNode, nodeId: 2n },
      ],
      context: new Uint8Array(0),
    });
    c.stabilize();
    expect(c.raft(1n).prs.confState().votersOutgoing).toEqual([1n, 2n, 3n]);
    c.isolate(2n);
    c.isolate(3n);
    c.propose(1n, 'needs-old-majority');
    c.stabilize();
    expect(c.appliedData(1n)).toEqual([]);
    c.heal();
    c.tick(1n, 1);
    c.stabilize();
    expect(c.appliedData(1n)).toEqual(['needs-old-majority']);
  });
});

describe('§8 client interaction', () => {
  it('proposals without a leader are dropped with a reason', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    try {
      c.propose(2n, 'x');
      expect.unreachable();
    } catch (e) {
      expect(isRaftError(e, 'ProposalDropped') && e.reason).toBe('no-leader');
    }
  });

  it('a new leader answers ReadIndex only after committing an entry of its term', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.get(1n).node.campaign();
    // Win the election but hold back the acknowledgements of the empty entry.
    c.stabilize((m) => m.type !== MessageType.MsgAppResp);
    expect(c.raft(1n).state).toBe(StateType.Leader);
    c.get(1n).node.readIndex(new TextEncoder().encode('r'));
    expect(c.raft(1n).readStates).toEqual([]);
    expect(c.raft(1n).pendingReadIndexMessages).toHaveLength(1);
    c.tick(1n, 1);
    c.stabilize();
    expect(c.raft(1n).pendingReadIndexMessages).toHaveLength(0);
  });

  it('a read index covers every entry committed before the read', () => {
    const c = new TestCluster([1n, 2n, 3n], plain);
    c.elect(1n);
    c.propose(1n, 'w');
    c.stabilize();
    const committed = c.raft(1n).raftLog.committed;
    c.get(3n).node.readIndex(new TextEncoder().encode('r'));
    let index = -1;
    for (let i = 0; i < 10 && index < 0; i++) {
      for (const id of [1n, 2n, 3n]) {
        const n = c.get(id);
        if (!n.node.hasReady()) continue;
        const rd = n.node.ready();
        n.storage.append(rd.entries);
        if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
        for (const m of rd.messages) c.get(m.to).node.step(m);
        if (id === 3n && rd.readStates.length > 0) index = rd.readStates[0]!.index;
        n.node.advance(rd);
      }
    }
    expect(index).toBeGreaterThanOrEqual(committed);
  });
});
