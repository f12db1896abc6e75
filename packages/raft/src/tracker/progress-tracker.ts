import { type JointConfig, jointCommittedIndex, jointIds, jointVoteResult, sortIds } from '../quorum/joint.js';
import { VoteResult } from '../quorum/vote-result.js';
import type { ConfState, NodeId } from '../types.js';
import type { Progress } from './progress.js';

/** The active membership: voters (possibly joint), learners, and learners-to-be. */
export interface TrackerConfig {
  voters: JointConfig;
  /** Learners: receive the log but do not vote. Disjoint from voters[0] and voters[1]. */
  learners: ReadonlySet<NodeId>;
  /** Voters of the outgoing config that become learners when the joint config is left. */
  learnersNext: ReadonlySet<NodeId>;
  /** Leave the joint configuration automatically once it is applied. */
  autoLeave: boolean;
}

export type ProgressMap = Map<NodeId, Progress>;

export function isJoint(c: TrackerConfig): boolean {
  return c.voters[1].size > 0;
}

export function confStateOf(c: TrackerConfig): ConfState {
  return {
    voters: sortIds(c.voters[0]),
    votersOutgoing: sortIds(c.voters[1]),
    learners: sortIds(c.learners),
    learnersNext: sortIds(c.learnersNext),
    autoLeave: c.autoLeave,
  };
}

/** The configuration and the per-node Progress, plus the votes of the current election. */
export class ProgressTracker {
  config: TrackerConfig = {
    voters: [new Set(), new Set()],
    learners: new Set(),
    learnersNext: new Set(),
    autoLeave: false,
  };
  progress: ProgressMap = new Map();
  private votes = new Map<NodeId, boolean>();
  readonly maxInflight: number;
  readonly maxInflightBytes: number;

  constructor(maxInflight: number, maxInflightBytes: number) {
    this.maxInflight = maxInflight;
    this.maxInflightBytes = maxInflightBytes;
  }

  confState(): ConfState {
    return confStateOf(this.config);
  }

  /** A single voter and no joint config. */
  isSingleton(): boolean {
    return this.config.voters[0].size === 1 && this.config.voters[1].size === 0;
  }

  /** The largest index a quorum (of both halves, if joint) has acknowledged. */
  committed(): number {
    return jointCommittedIndex(this.config.voters, (id) => this.progress.get(id)?.match);
  }

  /** Visits every tracked node in ascending ID order (deterministic output). */
  visit(f: (id: NodeId, pr: Progress) => void): void {
    for (const id of sortIds(this.progress.keys())) f(id, this.progress.get(id)!);
  }

  /** Whether a quorum was recently active (checkQuorum). */
  quorumActive(): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) if (!pr.isLearner) votes.set(id, pr.recentActive);
    return jointVoteResult(this.config.voters, votes) === VoteResult.Won;
  }

  voterNodes(): NodeId[] {
    return jointIds(this.config.voters);
  }

  learnerNodes(): NodeId[] {
    return sortIds(this.config.learners);
  }

  resetVotes(): void {
    this.votes = new Map();
  }

  recordVote(id: NodeId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): { granted: number; rejected: number; result: VoteResult } {
    let granted = 0;
    let rejected = 0;
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      const v = this.votes.get(id);
      if (v === undefined) continue;
      if (v) granted++;
      else rejected++;
    }
    return { granted, rejected, result: jointVoteResult(this.config.voters, this.votes) };
  }
}
