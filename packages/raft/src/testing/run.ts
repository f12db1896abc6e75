import { Chaos, type ChaosRates, defaultChaosRates } from './chaos.js';
import { Rng } from './rng.js';
import { type SimConfig, Simulation, SimulationError } from './simulation.js';

export interface RunOptions {
  seed: number;
  /** Steps of chaos before the liveness phase. */
  steps?: number;
  /** Upper bound on node IDs ever created (membership churn adds nodes). */
  maxNodes?: number;
  rates?: Partial<ChaosRates>;
  /** Ticks within which a healed cluster must commit a proposal. */
  livenessTicks?: number;
}

export interface RunResult {
  seed: number;
  steps: number;
  ticks: number;
  leaderElections: number;
  appliedEntries: number;
  proposals: number;
  readsIssued: number;
  readsAnswered: number;
  crashes: number;
  partitions: number;
  confChanges: number;
  transfers: number;
  snapshots: number;
  snapshotsSent: number;
  livenessTicks: number;
}

/** Derives the whole simulation set-up (faults, raft settings) from the seed. */
export function simConfigFor(seed: number): SimConfig {
  const r = new Rng(seed ^ 0x5eed);
  const delayMax = r.range(1, 8);
  const preVote = r.chance(0.7);
  const checkQuorum = r.chance(0.7);
  const maxSizePerMsg = r.pick([64, 256, 1 << 20]);
  const maxInflightMsgs = r.pick([1, 4, 256]);
  const maxUncommittedEntriesSize = r.pick([1 << 30, 256]);
  const disableProposalForwarding = r.chance(0.2);
  const maxInflightBytes = maxSizePerMsg === 1 << 20 ? r.pick([0, 1 << 21]) : r.pick([0, 4096]);
  return {
    seed,
    initialVoters: r.pick([1, 3, 3, 3, 5]),
    stepsPerTick: r.range(3, 6),
    faults: { dropRate: r.pick([0, 0.01, 0.05, 0.1]), duplicateRate: r.pick([0, 0.02]), delayMin: 1, delayMax },
    raft: (c) => {
      c.preVote = preVote;
      c.checkQuorum = checkQuorum;
      c.maxSizePerMsg = maxSizePerMsg;
      c.maxInflightMsgs = maxInflightMsgs;
      c.maxInflightBytes = maxInflightBytes;
      c.maxUncommittedEntriesSize = maxUncommittedEntriesSize;
      c.disableProposalForwarding = disableProposalForwarding;
      // A removed leader keeps leading (and spreading the commit index) until it is shut
      // down, as etcd does by default; stepping down at once can strand a lagging member
      // whose old configuration still needs a vote from a node with a longer log.
      c.stepDownOnRemoval = false;
      return c;
    },
  };
}

/**
 * One seeded run: chaos (crashes, partitions, drops, churn, transfers, snapshots, client
 * writes and reads) with the safety checkers after every step, then the liveness check.
 * Throws SimulationError naming the seed on any violation; the seed replays exactly.
 */
export function runSimulation(opts: RunOptions): RunResult {
  const steps = opts.steps ?? 2000;
  const sim = new Simulation(simConfigFor(opts.seed));
  const chaos = new Chaos(sim, { ...defaultChaosRates, ...opts.rates }, opts.maxNodes ?? 7);
  let livenessTicks = 0;
  try {
    for (let i = 0; i < steps; i++) {
      chaos.act();
      sim.step();
    }
    livenessTicks = sim.checkLiveness(opts.livenessTicks ?? 400);
  } catch (e) {
    throw new SimulationError(opts.seed, sim.now, e);
  }
  return {
    seed: opts.seed,
    steps: sim.now,
    ticks: sim.ticks,
    leaderElections: sim.checker.leaderElections,
    appliedEntries: sim.checker.appliedEntries,
    proposals: sim.proposals,
    readsIssued: sim.readsIssued,
    readsAnswered: sim.readsAnswered,
    crashes: chaos.crashes,
    partitions: chaos.partitions,
    confChanges: chaos.confChanges,
    transfers: chaos.transfers,
    snapshots: chaos.snapshots,
    snapshotsSent: sim.snapshotsSent,
    livenessTicks,
  };
}
