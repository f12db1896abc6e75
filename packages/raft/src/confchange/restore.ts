import { RaftError } from '../errors.js';
import { Inflights } from '../tracker/inflights.js';
import { Progress } from '../tracker/progress.js';
import type { ProgressTracker } from '../tracker/progress-tracker.js';
import type { ConfState, NodeId } from '../types.js';
import type { ChangeResult } from './changer.js';

/**
 * Rebuilds the configuration described by a ConfState (from a snapshot or storage),
 * with fresh progress probing from lastIndex.
 */
export function restoreConfState(tracker: ProgressTracker, cs: ConfState, lastIndex: number): ChangeResult {
  const incoming = new Set<NodeId>(cs.voters);
  const outgoing = new Set<NodeId>(cs.votersOutgoing);
  const learners = new Set<NodeId>(cs.learners);
  const learnersNext = new Set<NodeId>(cs.learnersNext);
  for (const id of learners) {
    if (incoming.has(id) || outgoing.has(id))
      throw new RaftError('InvalidConfChange', `${id} is both learner and voter`);
  }
  for (const id of learnersNext) {
    if (!outgoing.has(id)) throw new RaftError('InvalidConfChange', `${id} is in learnersNext, but not outgoing`);
  }
  const progress = new Map<NodeId, Progress>();
  const add = (id: NodeId, isLearner: boolean) => {
    if (progress.has(id)) return;
    const inflights = new Inflights(tracker.maxInflight, tracker.maxInflightBytes);
    progress.set(id, new Progress(Math.max(lastIndex, 1), 0, inflights, isLearner, true));
  };
  for (const id of incoming) add(id, false);
  for (const id of outgoing) add(id, false);
  for (const id of learners) add(id, true);
  return {
    config: { voters: [incoming, outgoing], learners, learnersNext, autoLeave: cs.autoLeave && outgoing.size > 0 },
    progress,
  };
}
