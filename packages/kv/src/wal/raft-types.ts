// Local mirrors of the raft core's persisted types (packages/raft/src/types.ts). Plain
// structural interfaces, so values from @coreos-ts/raft are accepted unchanged; the lead
// engineer will switch these to imports from @coreos-ts/raft.

/** A raft log entry. `type`: 0 normal, 1 confchange, 2 confchangev2. */
export interface Entry {
  term: number;
  index: number;
  type: number;
  data: Uint8Array;
}

/** The raft state that must be durable before messages are sent. */
export interface HardState {
  term: number;
  vote: bigint;
  commit: number;
}

export interface ConfState {
  voters: bigint[];
  learners: bigint[];
  votersOutgoing: bigint[];
  learnersNext: bigint[];
  autoLeave: boolean;
}

export interface SnapshotMetadata {
  index: number;
  term: number;
  confState: ConfState;
}

export const emptyHardState: HardState = Object.freeze({ term: 0, vote: 0n, commit: 0 });
