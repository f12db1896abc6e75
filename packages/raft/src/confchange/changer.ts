import { RaftError } from '../errors.js';
import { Inflights } from '../tracker/inflights.js';
import { Progress } from '../tracker/progress.js';
import { isJoint, type ProgressMap, type ProgressTracker, type TrackerConfig } from '../tracker/progress-tracker.js';
import type { NodeId } from '../types.js';
import { type ConfChangeSingle, ConfChangeType } from './conf-change.js';

interface MutableConfig {
  incoming: Set<NodeId>;
  outgoing: Set<NodeId>;
  learners: Set<NodeId>;
  learnersNext: Set<NodeId>;
  autoLeave: boolean;
}

export interface ChangeResult {
  config: TrackerConfig;
  progress: ProgressMap;
}

function invalid(msg: string): never {
  throw new RaftError('InvalidConfChange', msg);
}

/**
 * Computes the next configuration from the current one and a change, without touching
 * the tracker: the caller switches to the result. Throws RaftError('InvalidConfChange').
 */
export class Changer {
  private readonly tracker: ProgressTracker;
  private readonly lastIndex: number;

  constructor(tracker: ProgressTracker, lastIndex: number) {
    this.tracker = tracker;
    this.lastIndex = lastIndex;
  }

  /** Enters a joint config: the current voters become the outgoing half, `ccs` apply to the incoming. */
  enterJoint(autoLeave: boolean, ccs: readonly ConfChangeSingle[]): ChangeResult {
    const { cfg, prs } = this.checkAndCopy();
    if (cfg.outgoing.size > 0) invalid('config is already joint');
    if (cfg.incoming.size === 0) invalid("can't make a zero-voter config joint");
    for (const id of cfg.incoming) cfg.outgoing.add(id);
    this.apply(cfg, prs, ccs);
    cfg.autoLeave = autoLeave;
    return this.finish(cfg, prs);
  }

  /** Leaves a joint config: drops the outgoing half and turns learnersNext into learners. */
  leaveJoint(): ChangeResult {
    const { cfg, prs } = this.checkAndCopy();
    if (cfg.outgoing.size === 0) invalid("can't leave a non-joint config");
    for (const id of cfg.learnersNext) {
      cfg.learners.add(id);
      const pr = prs.get(id)!.clone();
      pr.isLearner = true;
      prs.set(id, pr);
    }
    cfg.learnersNext.clear();
    for (const id of cfg.outgoing) {
      if (!cfg.incoming.has(id) && !cfg.learners.has(id)) prs.delete(id);
    }
    cfg.outgoing.clear();
    cfg.autoLeave = false;
    return this.finish(cfg, prs);
  }

  /** A change of at most one voter outside a joint config. */
  simple(ccs: readonly ConfChangeSingle[]): ChangeResult {
    const { cfg, prs } = this.checkAndCopy();
    if (cfg.outgoing.size > 0) invalid("can't apply simple config change in joint config");
    const before = new Set(cfg.incoming);
    this.apply(cfg, prs, ccs);
    let diff = 0;
    for (const id of before) if (!cfg.incoming.has(id)) diff++;
    for (const id of cfg.incoming) if (!before.has(id)) diff++;
    if (diff > 1) invalid('more than one voter changed without entering joint config');
    return this.finish(cfg, prs);
  }

  private checkAndCopy(): { cfg: MutableConfig; prs: ProgressMap } {
    const c = this.tracker.config;
    const cfg: MutableConfig = {
      incoming: new Set(c.voters[0]),
      outgoing: new Set(c.voters[1]),
      learners: new Set(c.learners),
      learnersNext: new Set(c.learnersNext),
      autoLeave: c.autoLeave,
    };
    return { cfg, prs: new Map(this.tracker.progress) };
  }

  private apply(cfg: MutableConfig, prs: ProgressMap, ccs: readonly ConfChangeSingle[]): void {
    for (const cc of ccs) {
      if (cc.nodeId === 0n) continue; // etcd ignores changes to node 0
      switch (cc.type) {
        case ConfChangeType.AddNode:
          this.makeVoter(cfg, prs, cc.nodeId);
          break;
        case ConfChangeType.AddLearnerNode:
          this.makeLearner(cfg, prs, cc.nodeId);
          break;
        case ConfChangeType.RemoveNode:
          this.remove(cfg, prs, cc.nodeId);
          break;
        case ConfChangeType.UpdateNode:
          break;
        default:
          invalid(`unexpected conf type ${String(cc.type)}`);
      }
    }
    if (cfg.incoming.size === 0) invalid('removed all voters');
  }

  private initProgress(cfg: MutableConfig, prs: ProgressMap, id: NodeId, isLearner: boolean): void {
    if (isLearner) cfg.learners.add(id);
    else cfg.incoming.add(id);
    // Probe from the last index: the leader finds the match by back-off. recentActive so a
    // fresh node is not counted against checkQuorum before it was ever contacted.
    const inflights = new Inflights(this.tracker.maxInflight, this.tracker.maxInflightBytes);
    prs.set(id, new Progress(Math.max(this.lastIndex, 1), 0, inflights, isLearner, true));
  }

  private makeVoter(cfg: MutableConfig, prs: ProgressMap, id: NodeId): void {
    const pr = prs.get(id);
    if (pr === undefined) {
      this.initProgress(cfg, prs, id, false);
      return;
    }
    const np = pr.clone();
    np.isLearner = false;
    prs.set(id, np);
    cfg.learners.delete(id);
    cfg.learnersNext.delete(id);
    cfg.incoming.add(id);
  }

  private makeLearner(cfg: MutableConfig, prs: ProgressMap, id: NodeId): void {
    const pr = prs.get(id);
    if (pr === undefined) {
      this.initProgress(cfg, prs, id, true);
      return;
    }
    if (pr.isLearner) return;
    this.remove(cfg, prs, id);
    const np = pr.clone();
    prs.set(id, np);
    // A voter of the outgoing config can only become a learner when the joint config is left.
    if (cfg.outgoing.has(id)) {
      cfg.learnersNext.add(id);
    } else {
      np.isLearner = true;
      cfg.learners.add(id);
    }
  }

  private remove(cfg: MutableConfig, prs: ProgressMap, id: NodeId): void {
    if (!prs.has(id)) return;
    cfg.incoming.delete(id);
    cfg.learners.delete(id);
    cfg.learnersNext.delete(id);
    if (!cfg.outgoing.has(id)) prs.delete(id);
  }

  private finish(cfg: MutableConfig, prs: ProgressMap): ChangeResult {
    const config: TrackerConfig = {
      voters: [cfg.incoming, cfg.outgoing],
      learners: cfg.learners,
      learnersNext: cfg.learnersNext,
      autoLeave: cfg.autoLeave,
    };
    checkInvariants(config, prs);
    return { config, progress: prs };
  }
}

/** Bugs in the changer crash: every member has a progress, learners and voters are disjoint. */
function checkInvariants(cfg: TrackerConfig, prs: ProgressMap): void {
  for (const ids of [cfg.voters[0], cfg.voters[1], cfg.learners, cfg.learnersNext]) {
    for (const id of ids) if (!prs.has(id)) invalid(`no progress for ${id}`);
  }
  for (const id of cfg.learnersNext) {
    if (!cfg.voters[1].has(id)) invalid(`${id} is in learnersNext, but not outgoing`);
    if (prs.get(id)!.isLearner) invalid(`${id} is in learnersNext, but is already marked as learner`);
  }
  for (const id of cfg.learners) {
    if (cfg.voters[0].has(id) || cfg.voters[1].has(id)) invalid(`${id} is both learner and voter`);
    if (!prs.get(id)!.isLearner) invalid(`${id} is in learners, but is not marked as learner`);
  }
  if (!isJoint(cfg) && (cfg.learnersNext.size > 0 || cfg.autoLeave)) {
    invalid('learnersNext or autoLeave set outside a joint config');
  }
}
