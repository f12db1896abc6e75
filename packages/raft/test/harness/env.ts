import {
  type ConfChange,
  type ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV2,
  type Config,
  type ConfState,
  decodeConfChange,
  decodeConfChangeV2,
  defaultConfig,
  EntryType,
  isRaftError,
  MemoryStorage,
  type Message,
  ProgressState,
  RawNode,
  StateType,
} from '../../src/index.js';
import { Rng } from '../../src/testing/rng.js';
import { describeConfState, describeEntry, describeMessage, describeReady } from './describe.js';

export interface Args {
  positional: string[];
  kv: Map<string, string>;
}

interface EnvNode {
  id: bigint;
  node: RawNode;
  storage: MemoryStorage;
  config: Config;
  confState: ConfState;
  applied: number;
}

function idList(s: string): bigint[] {
  const inner = s.replace(/^\(/, '').replace(/\)$/, '').trim();
  return inner.length === 0 ? [] : inner.split(/[ ,]+/).map((x) => BigInt(x));
}

/**
 * The interpreter of the script tests: a handful of RawNodes whose Readys are handled
 * on command and whose messages wait in a mailbox until delivered.
 */
export class InteractionEnv {
  private readonly nodes = new Map<bigint, EnvNode>();
  private mailbox: Message[] = [];
  private readonly cut = new Set<string>();
  private readonly rng = new Rng(1);
  private out: string[] = [];

  run(cmd: string, args: Args): string {
    this.out = [];
    try {
      this.dispatch(cmd, args);
    } catch (e) {
      if (isRaftError(e)) this.out.push(`error: ${e.code}${e.reason !== undefined ? ` (${e.reason})` : ''}`);
      else throw e;
    }
    return this.out.join('\n');
  }

  private n(id: string | bigint | undefined): EnvNode {
    const n = this.nodes.get(BigInt(id ?? 'x'));
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  private dispatch(cmd: string, a: Args): unknown {
    const p = a.positional;
    const kv = a.kv;
    switch (cmd) {
      case 'add-nodes':
        return this.addNodes(Number(p[0]), kv);
      case 'campaign':
        return this.n(p[0]).node.campaign();
      case 'propose':
        return this.n(p[0]).node.propose(new TextEncoder().encode(p[1] ?? ''));
      case 'propose-conf-change':
        return this.proposeConfChange(this.n(p[0]), p.slice(1), kv);
      case 'tick-election':
        return this.ticks(this.n(p[0]), this.n(p[0]).config.electionTick * 2);
      case 'tick-heartbeat':
        return this.ticks(this.n(p[0]), this.n(p[0]).config.heartbeatTick);
      case 'tick':
        return this.ticks(this.n(p[0]), Number(p[1] ?? '1'));
      case 'process-ready':
        for (const id of p) this.processReady(this.n(id));
        return;
      case 'deliver-msgs':
        this.deliver(
          p.map((x) => BigInt(x)),
          kv.has('drop') ? idList(kv.get('drop')!) : [],
        );
        return;
      case 'stabilize':
        return this.stabilize(p.map((x) => BigInt(x)));
      case 'partition':
        return this.partition(p.map(idList));
      case 'heal':
        this.cut.clear();
        return;
      case 'raft-log':
        return this.raftLog(this.n(p[0]));
      case 'raft-state':
        return this.raftState();
      case 'status':
        return this.status(this.n(p[0]));
      case 'transfer-leader':
        return this.n(kv.get('from')).node.transferLeader(BigInt(kv.get('to')!));
      case 'read-index':
        return this.n(p[0]).node.readIndex(new TextEncoder().encode(p[1] ?? ''));
      case 'compact':
        return this.compact(this.n(p[0]), Number(p[1]));
      case 'report-unreachable':
        return this.n(p[0]).node.reportUnreachable(BigInt(p[1]!));
      case 'report-snapshot':
        return this.n(p[0]).node.reportSnapshot(BigInt(p[1]!), p[2] !== 'fail');
      case 'forget-leader':
        return this.n(p[0]).node.forgetLeader();
      case 'set-randomized-election-timeout':
        this.n(p[0]).node.raft.randomizedElectionTimeout = Number(kv.get('timeout'));
        return;
      default:
        throw new Error(`unknown command ${cmd}`);
    }
  }

  private addNodes(count: number, kv: Map<string, string>): void {
    const voters = idList(kv.get('voters') ?? '()');
    const learners = idList(kv.get('learners') ?? '()');
    const index = Number(kv.get('index') ?? '0');
    for (let i = 0; i < count; i++) {
      const id = BigInt(this.nodes.size + 1);
      const storage = new MemoryStorage();
      const confState: ConfState = { voters, learners, votersOutgoing: [], learnersNext: [], autoLeave: false };
      if (index > 0) {
        storage.applySnapshot({ data: new Uint8Array(0), metadata: { index, term: 1, confState } });
        storage.setHardState({ term: 1, vote: 0n, commit: index });
      }
      const c = defaultConfig(id, this.rng.fork().asFunction());
      c.preVote = kv.get('prevote') === 'true';
      c.checkQuorum = kv.get('checkquorum') === 'true';
      if (kv.has('readonly')) c.readOnlyOption = kv.get('readonly') as Config['readOnlyOption'];
      if (kv.has('forwarding')) c.disableProposalForwarding = kv.get('forwarding') === 'false';
      if (kv.has('inflight')) c.maxInflightMsgs = Number(kv.get('inflight'));
      if (kv.has('maxsize')) c.maxSizePerMsg = Number(kv.get('maxsize'));
      if (kv.has('max-uncommitted')) c.maxUncommittedEntriesSize = Number(kv.get('max-uncommitted'));
      if (kv.has('step-down-on-removal')) c.stepDownOnRemoval = kv.get('step-down-on-removal') === 'true';
      c.applied = index;
      const node = new RawNode(c, storage);
      // Deterministic scripts: every node times out after exactly electionTick ticks.
      node.raft.randomizedElectionTimeout = c.electionTick;
      this.nodes.set(id, { id, node, storage, config: c, confState, applied: index });
      this.out.push(`INFO ${id} switched to configuration ${describeConfState(node.status().config)}`);
    }
  }

  private proposeConfChange(n: EnvNode, ops: string[], kv: Map<string, string>): void {
    const types: Record<string, ConfChangeType> = {
      v: ConfChangeType.AddNode,
      r: ConfChangeType.RemoveNode,
      u: ConfChangeType.UpdateNode,
      l: ConfChangeType.AddLearnerNode,
    };
    const changes: ConfChangeSingle[] = ops.map((op) => ({ type: types[op[0]!]!, nodeId: BigInt(op.slice(1)) }));
    const ctx = new Uint8Array(0);
    if (kv.get('v1') === 'true') {
      const cc: ConfChange = { type: changes[0]!.type, nodeId: changes[0]!.nodeId, context: ctx };
      n.node.proposeConfChange(cc);
      return;
    }
    const transitions: Record<string, ConfChangeTransition> = {
      auto: ConfChangeTransition.Auto,
      implicit: ConfChangeTransition.JointImplicit,
      explicit: ConfChangeTransition.JointExplicit,
    };
    const cc: ConfChangeV2 = { transition: transitions[kv.get('transition') ?? 'auto']!, changes, context: ctx };
    n.node.proposeConfChange(cc);
  }

  private ticks(n: EnvNode, count: number): void {
    for (let i = 0; i < count; i++) n.node.tick();
  }

  private processReady(n: EnvNode): boolean {
    if (!n.node.hasReady()) return false;
    const rd = n.node.ready();
    this.out.push(`> ${n.id} handling Ready`);
    for (const line of describeReady(rd)) this.out.push(`  ${line}`);
    if (rd.snapshot !== undefined) {
      n.storage.applySnapshot(rd.snapshot);
      n.confState = rd.snapshot.metadata.confState;
    }
    n.storage.append(rd.entries);
    if (rd.hardState !== undefined) n.storage.setHardState(rd.hardState);
    for (const m of rd.messages) {
      // A partition loses messages as they are sent.
      if (this.cut.has(`${m.from}->${m.to}`)) this.out.push(`  dropped: ${describeMessage(m)}`);
      else this.mailbox.push(m);
    }
    for (const e of rd.committedEntries) {
      let cs: ConfState | undefined;
      if (e.type === EntryType.ConfChange) cs = n.node.applyConfChange(decodeConfChange(e.data));
      else if (e.type === EntryType.ConfChangeV2) cs = n.node.applyConfChange(decodeConfChangeV2(e.data));
      if (cs !== undefined) {
        n.confState = cs;
        this.out.push(`INFO ${n.id} switched to configuration ${describeConfState(cs)}`);
      }
      n.applied = e.index;
    }
    n.node.advance(rd);
    return true;
  }

  private deliver(to: bigint[], drop: bigint[]): boolean {
    const targets = to.length > 0 ? new Set(to) : undefined;
    const now = this.mailbox.filter((m) => targets === undefined || targets.has(m.to));
    if (now.length === 0) return false;
    this.mailbox = this.mailbox.filter((m) => targets !== undefined && !targets.has(m.to));
    for (const m of now) {
      if (drop.includes(m.to) || this.cut.has(`${m.from}->${m.to}`)) {
        this.out.push(`dropped: ${describeMessage(m)}`);
        continue;
      }
      const n = this.nodes.get(m.to);
      if (n === undefined) continue;
      this.out.push(describeMessage(m));
      try {
        n.node.step(m);
      } catch (e) {
        if (!isRaftError(e)) throw e;
        this.out.push(`  error: ${e.code}${e.reason !== undefined ? ` (${e.reason})` : ''}`);
      }
    }
    return true;
  }

  private stabilize(only: bigint[]): void {
    const ids = only.length > 0 ? only : [...this.nodes.keys()];
    for (let round = 0; round < 100; round++) {
      let any = false;
      for (const id of ids) any = this.processReady(this.n(id)) || any;
      for (const id of ids) any = this.deliver([id], []) || any;
      if (!any) return;
    }
    throw new Error('stabilize did not converge in 100 rounds');
  }

  private partition(groups: bigint[][]): void {
    for (const a of groups) {
      for (const b of groups) {
        if (a === b) continue;
        for (const x of a) for (const y of b) this.cut.add(`${x}->${y}`);
      }
    }
  }

  private raftLog(n: EnvNode): void {
    const log = n.node.raft.raftLog;
    const ents = log.lastIndex() >= log.firstIndex() ? log.allEntries() : [];
    if (ents.length === 0)
      this.out.push(`log is empty: first index=${log.firstIndex()}, last index=${log.lastIndex()}`);
    for (const e of ents) this.out.push(describeEntry(e));
  }

  private raftState(): void {
    for (const n of this.nodes.values()) {
      const st = n.node.status();
      const role = StateType[st.softState.raftState];
      this.out.push(
        `${n.id}: ${role} ${n.node.raft.isLearner ? '(Learner)' : '(Voter)'} Term:${st.hardState.term} Lead:${st.softState.lead}`,
      );
    }
  }

  private status(n: EnvNode): void {
    const st = n.node.status();
    if (st.progress === undefined) {
      this.out.push(`${n.id} is not the leader`);
      return;
    }
    this.out.push(`commit=${st.hardState.commit} applied=${st.applied}`);
    for (const [id, pr] of st.progress) {
      const state = ProgressState[pr.state];
      let line = `${id}: ${state} match=${pr.match} next=${pr.next}`;
      if (pr.isLearner) line += ' learner';
      if (pr.inflightCount > 0) line += ` inflight=${pr.inflightCount}`;
      if (pr.pendingSnapshot > 0) line += ` pendingSnap=${pr.pendingSnapshot}`;
      this.out.push(line);
    }
    if (st.leadTransferee !== 0n) this.out.push(`transferring leadership to ${st.leadTransferee}`);
  }

  private compact(n: EnvNode, index: number): void {
    n.storage.createSnapshot(index, n.confState, new TextEncoder().encode(`snap@${index}`));
    n.storage.compact(index);
    this.raftLog(n);
  }

  leaderState(id: bigint): StateType {
    return this.n(id).node.status().softState.raftState;
  }
}
