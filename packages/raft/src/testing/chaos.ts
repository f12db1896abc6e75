import {
  type ConfChange,
  type ConfChangeSingle,
  ConfChangeTransition,
  ConfChangeType,
  type ConfChangeV2,
} from '../confchange/conf-change.js';
import { isRaftError } from '../errors.js';
import type { NodeId } from '../types.js';
import type { Rng } from './rng.js';
import type { SimNode } from './sim-node.js';
import type { Simulation } from './simulation.js';

/** Per-step probabilities of each fault or client action. */
export interface ChaosRates {
  propose: number;
  read: number;
  crash: number;
  partition: number;
  churn: number;
  transfer: number;
  snapshot: number;
}

export const defaultChaosRates: ChaosRates = {
  propose: 0.12,
  read: 0.03,
  crash: 0.003,
  partition: 0.004,
  churn: 0.004,
  transfer: 0.002,
  snapshot: 0.01,
};

/** Random faults and client traffic, all drawn from the simulation's seeded Rng. */
export class Chaos {
  private readonly sim: Simulation;
  private readonly rng: Rng;
  readonly rates: ChaosRates;
  private readonly maxNodes: number;
  private restartAt = new Map<NodeId, number>();
  private healAt = -1;
  private nextId: bigint;
  private writeSeq = 0;
  crashes = 0;
  partitions = 0;
  confChanges = 0;
  transfers = 0;
  snapshots = 0;

  constructor(sim: Simulation, rates: ChaosRates, maxNodes: number) {
    this.sim = sim;
    this.rng = sim.rng.fork();
    this.rates = rates;
    this.maxNodes = maxNodes;
    this.nextId = BigInt(sim.nodes.size + 1);
  }

  /** Rolls every event once; call before each simulation step. */
  act(): void {
    const { sim, rng, rates } = this;
    for (const [id, at] of this.restartAt) {
      if (sim.now >= at) {
        this.restartAt.delete(id);
        const n = sim.nodes.get(id)!;
        if (!n.retired) n.start();
      }
    }
    if (this.healAt >= 0 && sim.now >= this.healAt) {
      sim.network.heal();
      this.healAt = -1;
    }
    const up = sim.upNodes();
    if (up.length === 0) return;
    if (rng.chance(rates.propose)) {
      sim.propose(rng.pick(up), new TextEncoder().encode(`w${this.writeSeq++}`));
    }
    if (rng.chance(rates.read)) sim.read(rng.pick(up));
    if (rng.chance(rates.crash)) this.crash(up);
    if (rng.chance(rates.partition) && this.healAt < 0) this.partition();
    if (rng.chance(rates.churn)) this.churn();
    if (rng.chance(rates.transfer)) this.transfer();
    if (rng.chance(rates.snapshot)) {
      if (rng.pick(up).snapshotAndCompact(rng.int(8), 5)) this.snapshots++;
    }
  }

  private crash(up: SimNode[]): void {
    const n = this.rng.pick(up);
    this.sim.crash(n);
    this.crashes++;
    this.restartAt.set(n.id, this.sim.now + this.rng.range(20, 400));
  }

  private partition(): void {
    const { sim, rng } = this;
    const ids = sim.memberNodes().map((n) => n.id);
    if (ids.length < 2) return;
    const kind = rng.int(3);
    if (kind === 0) {
      const a = ids.filter(() => rng.chance(0.5));
      sim.network.partition(
        a,
        ids.filter((x) => !a.includes(x)),
      );
    } else if (kind === 1) {
      const l = sim.leader();
      sim.network.isolate(l?.id ?? rng.pick(ids), ids);
    } else {
      // Asymmetric: one direction of a few links.
      for (let i = 0; i < rng.range(1, 3); i++) sim.network.cutLink(rng.pick(ids), rng.pick(ids));
    }
    this.partitions++;
    this.healAt = sim.now + rng.range(20, 600);
  }

  private transfer(): void {
    const l = this.sim.leader();
    if (l === undefined) return;
    const voters = l.node!.raft.prs.config.voters[0];
    const others = [...voters].filter((id) => id !== l.id);
    if (others.length === 0) return;
    l.node!.transferLeader(this.rng.pick(others));
    this.transfers++;
  }

  private newNode(): NodeId | undefined {
    if (this.sim.nodes.size >= this.maxNodes) return undefined;
    const id = this.nextId++;
    this.sim.addNode(id).start();
    return id;
  }

  private churn(): void {
    const { sim, rng } = this;
    const l = sim.leader();
    if (l === undefined) return;
    const cfg = l.node!.raft.prs.config;
    const empty = new Uint8Array(0);
    let cc: ConfChange | ConfChangeV2 | undefined;
    const voters = [...cfg.voters[0]];
    const learners = [...cfg.learners];
    if (cfg.voters[1].size > 0) {
      if (!cfg.autoLeave) cc = { transition: ConfChangeTransition.Auto, changes: [], context: empty };
    } else {
      const kind = rng.int(6);
      const one = (type: ConfChangeType, nodeId: NodeId | undefined): ConfChange | undefined =>
        nodeId === undefined ? undefined : { type, nodeId, context: empty };
      if (kind === 0) cc = one(ConfChangeType.AddNode, this.newNode());
      else if (kind === 1) cc = one(ConfChangeType.AddLearnerNode, this.newNode());
      else if (kind === 2 && learners.length > 0) cc = one(ConfChangeType.AddNode, rng.pick(learners));
      // Demotions and removals keep at least two voters: going from two voters to one can
      // strand the survivor, which may need the departed node's vote to learn the change.
      else if (kind === 3 && voters.length > 2) cc = one(ConfChangeType.AddLearnerNode, rng.pick(voters));
      else if (kind === 4 && voters.length + learners.length > 1) {
        const target = rng.pick([...voters, ...learners]);
        if (voters.length > 2 || !voters.includes(target)) cc = one(ConfChangeType.RemoveNode, target);
      } else if (kind === 5) {
        const add = this.newNode();
        if (add !== undefined) {
          const changes: ConfChangeSingle[] = [{ type: ConfChangeType.AddNode, nodeId: add }];
          if (voters.length > 1) changes.push({ type: ConfChangeType.RemoveNode, nodeId: rng.pick(voters) });
          const transition = rng.pick([
            ConfChangeTransition.Auto,
            ConfChangeTransition.JointImplicit,
            ConfChangeTransition.JointExplicit,
          ]);
          cc = { transition, changes, context: empty };
        }
      }
    }
    if (cc === undefined) return;
    try {
      l.node!.proposeConfChange(cc);
      this.confChanges++;
    } catch (e) {
      if (!isRaftError(e, 'ProposalDropped')) throw e;
    }
  }
}
