import { type Config, defaultConfig } from '../config.js';
import { isRaftError, RaftError } from '../errors.js';
import { contextKey } from '../read-only.js';
import { type Entry, MessageType, type NodeId, type Ready, StateType } from '../types.js';
import { SafetyChecker, Violation } from './checkers.js';
import { type NetworkFaults, SimNetwork } from './network.js';
import { Rng } from './rng.js';
import { type ReadyHooks, SimNode } from './sim-node.js';

export interface SimConfig {
  seed: number;
  /** Voters of the bootstrapped cluster. */
  initialVoters: number;
  /** Simulation steps per Raft tick (message delays are counted in steps). */
  stepsPerTick: number;
  faults: NetworkFaults;
  /** Adjusts each node's raft Config (defaults: electionTick 10, heartbeatTick 1, preVote, checkQuorum). */
  raft: (c: Config, rng: Rng) => Config;
}

interface PendingRead {
  node: NodeId;
  commitAtIssue: number;
}

/** Thrown when a run breaks a property; carries the seed that replays it. */
export class SimulationError extends Error {
  readonly seed: number;
  readonly step: number;
  constructor(seed: number, step: number, cause: unknown) {
    const msg = cause instanceof Error ? cause.message : String(cause);
    super(`seed ${seed}, step ${step}: ${msg}`, { cause });
    this.name = 'SimulationError';
    this.seed = seed;
    this.step = step;
  }
}

/**
 * A deterministic cluster: N SimNodes over a seeded SimNetwork, driven step by step.
 * Every Ready is handled as a server would (persist, send, apply, advance) and fed to
 * the SafetyChecker. The same seed replays the same run exactly.
 */
export class Simulation {
  readonly cfg: SimConfig;
  readonly rng: Rng;
  readonly network: SimNetwork;
  readonly checker = new SafetyChecker();
  readonly nodes = new Map<NodeId, SimNode>();
  now = 0;
  ticks = 0;
  proposals = 0;
  readsIssued = 0;
  readsAnswered = 0;
  snapshotsSent = 0;
  /** Nodes that were ever in an applied configuration. */
  private readonly members = new Set<NodeId>();
  private latestConfIndex = 0;
  private readonly pendingReads = new Map<string, PendingRead>();
  private readonly answeredReads = new Set<string>();
  private readSeq = 0;
  private latestConf: NodeId[] = [];
  /** Contents of entries applied somewhere, for waiting on a specific proposal. */
  readonly appliedContents = new Set<string>();

  constructor(cfg: SimConfig) {
    this.cfg = cfg;
    this.rng = new Rng(cfg.seed);
    this.network = new SimNetwork(this.rng.fork(), cfg.faults);
    const ids: NodeId[] = [];
    for (let i = 1; i <= cfg.initialVoters; i++) ids.push(BigInt(i));
    for (const id of ids) {
      const n = this.addNode(id);
      n.start(ids);
      this.members.add(id);
    }
  }

  /** Creates a node (not started) with its own seeded election jitter. */
  addNode(id: NodeId): SimNode {
    const rng = this.rng.fork();
    const n = new SimNode(id, (applied) => {
      const c = defaultConfig(id, rng.asFunction());
      c.applied = applied;
      return this.cfg.raft(c, rng);
    });
    this.nodes.set(id, n);
    return n;
  }

  upNodes(): SimNode[] {
    return [...this.nodes.values()].filter((n) => n.isUp());
  }

  /** The up node that believes it leads with the highest term (and is still a member), if any. */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    for (const n of this.upNodes()) {
      const r = n.node!.raft;
      if (r.state !== StateType.Leader || !r.prs.progress.has(n.id)) continue;
      if (best === undefined || r.term > best.node!.raft.term) best = n;
    }
    return best;
  }

  propose(n: SimNode, data: Uint8Array): boolean {
    this.proposals++;
    try {
      n.node!.propose(data);
      return true;
    } catch (e) {
      if (isRaftError(e, 'ProposalDropped')) return false;
      throw e;
    }
  }

  /** Issues a linearizable read at n; checked when its read state arrives. */
  read(n: SimNode): boolean {
    const ctx = new TextEncoder().encode(`read-${n.id}-${this.readSeq++}`);
    try {
      n.node!.readIndex(ctx);
    } catch (e) {
      if (isRaftError(e, 'ReadIndexDropped')) return false;
      throw e;
    }
    this.readsIssued++;
    this.pendingReads.set(contextKey(ctx), { node: n.id, commitAtIssue: this.checker.maxCommit });
    return true;
  }

  crash(n: SimNode): void {
    n.crash();
    this.network.dropFor(n.id);
  }

  /** One step: tick on tick boundaries, deliver due messages, handle every Ready, check. */
  step(): void {
    this.now++;
    if (this.now % this.cfg.stepsPerTick === 0) {
      this.ticks++;
      for (const n of this.upNodes()) n.node!.tick();
    }
    for (const m of this.network.due(this.now)) {
      const target = this.nodes.get(m.to);
      if (target === undefined || !target.isUp()) continue;
      try {
        target.node!.step(m);
      } catch (e) {
        if (!(e instanceof RaftError) || (e.code !== 'ProposalDropped' && e.code !== 'StepPeerNotFound')) throw e;
      }
    }
    for (const n of this.upNodes()) if (n.isUp()) this.handleReady(n);
    this.observe();
    this.retireRemoved();
  }

  private hooks(n: SimNode): ReadyHooks {
    return {
      onPersist: (e, prevTerm) => this.checker.onPersist(n.id, e, prevTerm),
      onApply: (e, hash) => {
        this.checker.onApply(n.id, e, hash);
        this.appliedContents.add(Buffer.from(e.data).toString('latin1'));
        if (e.type !== 0) this.onConfApplied(e, n);
      },
      onSnapshot: (index, hash) => this.checker.onSnapshotInstalled(n.id, index, hash),
    };
  }

  handleReady(n: SimNode): void {
    const rn = n.node!;
    if (!rn.hasReady()) return;
    const rd: Ready = rn.ready();
    const hooks = this.hooks(n);
    n.persist(rd, hooks);
    const reports: Array<() => void> = [];
    for (const m of rd.messages) {
      const target = this.nodes.get(m.to);
      const ok = this.network.send(m, this.now) && target?.isUp() === true;
      if (m.type === MessageType.MsgSnap) {
        this.snapshotsSent++;
        reports.push(() => rn.reportSnapshot(m.to, ok));
      } else if (!ok && this.rng.chance(0.1)) reports.push(() => rn.reportUnreachable(m.to));
    }
    n.apply(rd, hooks);
    for (const rs of rd.readStates) {
      const key = contextKey(rs.requestCtx);
      const pending = this.pendingReads.get(key);
      if (pending === undefined) {
        // Duplicated messages may answer a request twice; an answer to nothing issued is a bug.
        if (!this.answeredReads.has(key)) throw new Violation(`node ${n.id} got a read state for an unknown request`);
        continue;
      }
      if (pending.node !== n.id) throw new Violation(`read issued at ${pending.node} answered at ${n.id}`);
      this.answeredReads.add(key);
      this.pendingReads.delete(key);
      this.readsAnswered++;
      this.checker.onReadState(n.id, rs.index, pending.commitAtIssue);
    }
    rn.advance(rd);
    if (n.node === rn) for (const r of reports) r();
  }

  /** Tracks membership from applied conf changes; nodes removed from the cluster retire. */
  private onConfApplied(e: Entry, n: SimNode): void {
    if (e.index <= this.latestConfIndex) return;
    this.latestConfIndex = e.index;
    const cs = n.sm.confState;
    const inConfig = new Set<NodeId>([...cs.voters, ...cs.votersOutgoing, ...cs.learners, ...cs.learnersNext]);
    for (const id of inConfig) this.members.add(id);
    this.latestConf = [...inConfig];
  }

  /**
   * A node removed from the cluster shuts down once every member of the new configuration
   * has durably learned that its removal committed (before that, a member that restarts
   * with an older commit index may still need the removed node's vote).
   */
  private retireRemoved(): void {
    if (this.latestConfIndex === 0) return;
    for (const id of this.latestConf) {
      const m = this.nodes.get(id)!;
      if (!m.isUp() || m.storage.hardStateNow().commit < this.latestConfIndex) return;
    }
    const inConfig = new Set(this.latestConf);
    for (const id of this.members) {
      const m = this.nodes.get(id)!;
      if (!inConfig.has(id) && !m.retired) {
        m.retired = true;
        this.crash(m);
      }
    }
  }

  private observe(): void {
    for (const n of this.upNodes()) {
      const r = n.node!.raft;
      const c = r.raftLog.committed;
      this.checker.onCommitObserved(c);
      if (r.state === StateType.Leader) {
        this.checker.onLeader(n.id, r.term, r.raftLog);
        const t = r.raftLog.termOrZero(c);
        if (t > 0) this.checker.onLeaderCommit(r.term, c, t);
      }
    }
  }

  /**
   * Liveness: with faults healed, a leader must emerge and commit a fresh proposal
   * within `maxTicks` ticks. Returns the ticks it took.
   */
  checkLiveness(maxTicks: number): number {
    this.network.heal();
    this.network.faults = { dropRate: 0, duplicateRate: 0, delayMin: 1, delayMax: 2 };
    for (const n of this.nodes.values()) if (!n.retired && n.node === undefined) n.start();
    const token = `liveness-${this.cfg.seed}`;
    const data = new TextEncoder().encode(token);
    const startTicks = this.ticks;
    let proposedAt = -1;
    while (this.ticks - startTicks < maxTicks) {
      this.step();
      // Servers keep snapshotting: a member added after the last snapshot needs a newer one.
      if (this.now % (this.cfg.stepsPerTick * 10) === 0) for (const n of this.upNodes()) n.snapshotAndCompact(2, 1);
      if (this.appliedContents.has(token)) return this.ticks - startTicks;
      const l = this.leader();
      if (l !== undefined && (proposedAt < 0 || this.ticks - proposedAt > 20) && l.node!.raft.lead === l.id) {
        if (this.propose(l, data)) proposedAt = this.ticks;
      }
    }
    const states = this.upNodes()
      .map((n) => `${n.id}:${StateType[n.node!.raft.state]}@${n.node!.raft.term}`)
      .join(' ');
    throw new Violation(`liveness: no proposal committed within ${maxTicks} ticks after healing [${states}]`);
  }

  /** Nodes in the latest applied configuration that are not retired. */
  memberNodes(): SimNode[] {
    return [...this.members].map((id) => this.nodes.get(id)!).filter((n) => !n.retired);
  }
}
