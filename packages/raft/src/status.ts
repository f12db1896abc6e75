import type { Raft } from './raft.js';
import type { ProgressState } from './tracker/progress.js';
import { type ConfState, type HardState, type NodeId, type SoftState, StateType } from './types.js';

export interface ProgressStatus {
  match: number;
  next: number;
  state: ProgressState;
  isLearner: boolean;
  recentActive: boolean;
  pendingSnapshot: number;
  inflightCount: number;
  inflightBytes: number;
}

/** A snapshot of a node's state for monitoring and tests. `progress` only on the leader. */
export interface Status {
  id: NodeId;
  hardState: HardState;
  softState: SoftState;
  applied: number;
  leadTransferee: NodeId;
  config: ConfState;
  progress: Map<NodeId, ProgressStatus> | undefined;
}

export function statusOf(r: Raft): Status {
  let progress: Map<NodeId, ProgressStatus> | undefined;
  if (r.state === StateType.Leader) {
    progress = new Map();
    r.prs.visit((id, pr) => {
      progress!.set(id, {
        match: pr.match,
        next: pr.next,
        state: pr.state,
        isLearner: pr.isLearner,
        recentActive: pr.recentActive,
        pendingSnapshot: pr.pendingSnapshot,
        inflightCount: pr.inflights.count,
        inflightBytes: pr.inflights.bytes,
      });
    });
  }
  return {
    id: r.id,
    hardState: r.hardState(),
    softState: { lead: r.lead, raftState: r.state },
    applied: r.raftLog.applied,
    leadTransferee: r.leadTransferee,
    config: r.prs.confState(),
    progress,
  };
}
