import {
  type Config,
  decodeConfChange,
  decodeConfChangeV2,
  defaultConfig,
  type Entry,
  EntryType,
  isRaftError,
  MemoryStorage,
  type Message,
  RawNode,
  StateType,
} from '../../src/index.js';
import { Rng } from '../../src/testing/rng.js';

export interface TestNode {
  id: bigint;
  node: RawNode;
  storage: MemoryStorage;
  applied: Entry[];
  config: Config;
}

/** A small synchronous cluster for focused tests: messages are delivered on stabilize(). */
export class TestCluster {
  readonly nodes = new Map<bigint, TestNode>();
  private readonly cut = new Set<string>();
  /** Every message delivered, for assertions about traffic. */
  readonly delivered: Message[] = [];
  private mailbox: Message[] = [];

  constructor(ids: bigint[], tweak: (c: Config) => void = () => {}, seed = 1) {
    const rng = new Rng(seed);
    for (const id of ids) this.add(id, ids, tweak, rng.fork());
  }

  private add(id: bigint, voters: bigint[], tweak: (c: Config) => void, rng: Rng): void {
    const storage = new MemoryStorage();
    storage.applySnapshot({
      data: new Uint8Array(0),
      metadata: {
        index: 1,
        term: 1,
        confState: { voters, learners: [], votersOutgoing: [], learnersNext: [], autoLeave: false },
      },
    });
    storage.setHardState({ term: 1, vote: 0n, commit: 1 });
    const config = defaultConfig(id, rng.asFunction());
    config.applied = 1;
    tweak(config);
    this.nodes.set(id, { id, node: new RawNode(config, storage), storage, applied: [], config });
  }

  get(id: bigint): TestNode {
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  raft(id: bigint) {
    return this.get(id).node.raft;
  }

  isolate(id: bigint): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  cutLink(from: bigint, to: bigint): void {
    this.cut.add(`${from}->${to}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Restarts a node from its storage, losing all volatile state. */
  restart(id: bigint): void {
    const n = this.get(id);
    const c = { ...n.config, applied: n.storage.snapshot().metadata.index };
    n.node = new RawNode(c, n.storage);
    n.applied = [];
    this.mailbox = this.mailbox.filter((m) => m.to !== id && m.from !== id);
  }

  /** Handles one Ready of a node as a server would: persist, send, apply, advance. */
  processReady(id: bigint): boolean {
    const n = this.get(id);
    if (!n.node.hasReady()) return false;
    const rd = n.node.ready();
    if (rd.snapshot !== undefined) n.storage.applySnapshot(rd.snapshot);
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) this.mailbox.push(m);
    for (const e of rd.committedEntries) {
      if (e.type === EntryType.ConfChange) n.node.applyConfChange(decodeConfChange(e.data));
      if (e.type === EntryType.ConfChangeV2) n.node.applyConfChange(decodeConfChangeV2(e.data));
      n.applied.push(e);
    }
    n.node.advance(rd);
    return true;
  }

  /** Delivers every queued message (dropping those across cut links); returns how many. */
  deliverAll(filter: (m: Message) => boolean = () => true): number {
    const msgs = this.mailbox;
    this.mailbox = [];
    let count = 0;
    for (const m of msgs) {
      if (this.cut.has(`${m.from}->${m.to}`) || !filter(m)) continue;
      const n = this.nodes.get(m.to);
      if (n === undefined) continue;
      this.delivered.push(m);
      count++;
      try {
        n.node.step(m);
      } catch (e) {
        if (!isRaftError(e)) throw e;
      }
    }
    return count;
  }

  stabilize(filter?: (m: Message) => boolean): void {
    for (let i = 0; i < 200; i++) {
      let any = false;
      for (const id of this.nodes.keys()) any = this.processReady(id) || any;
      if (this.deliverAll(filter) > 0) any = true;
      if (!any) return;
    }
    throw new Error('cluster did not stabilize');
  }

  elect(id: bigint): void {
    this.get(id).node.campaign();
    this.stabilize();
    if (this.raft(id).state !== StateType.Leader) throw new Error(`${id} did not become leader`);
  }

  tick(id: bigint, n: number): void {
    for (let i = 0; i < n; i++) this.get(id).node.tick();
  }

  appliedData(id: bigint): string[] {
    return this.get(id)
      .applied.filter((e) => e.type === EntryType.Normal && e.data.byteLength > 0)
      .map((e) => new TextDecoder().decode(e.data));
  }

  propose(id: bigint, s: string): void {
    this.get(id).node.propose(new TextEncoder().encode(s));
  }
}
