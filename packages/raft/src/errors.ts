/** Why a proposal (or read request) was not accepted. */
export type DropReason =
  | 'no-leader'
  | 'forwarding-disabled'
  | 'uncommitted-size-exceeded'
  | 'transfer-in-progress'
  | 'not-member'
  | 'too-many-pending';

/** The closed set of operating errors the caller of this package handles. */
export type RaftErrorCode =
  | 'ProposalDropped'
  | 'ReadIndexDropped'
  | 'StepLocalMsg'
  | 'StepPeerNotFound'
  | 'Compacted'
  | 'Unavailable'
  | 'SnapOutOfDate'
  | 'SnapshotTemporarilyUnavailable'
  | 'InvalidConfChange'
  | 'InvalidConfig'
  | 'NotBootstrappable';

const messages: Record<RaftErrorCode, string> = {
  ProposalDropped: 'raft proposal dropped',
  ReadIndexDropped: 'raft read index request dropped',
  StepLocalMsg: 'raft: cannot step raft local message',
  StepPeerNotFound: 'raft: cannot step as peer not found',
  Compacted: 'requested index is unavailable due to compaction',
  Unavailable: 'requested entry at index is unavailable',
  SnapOutOfDate: 'requested index is older than the existing snapshot',
  SnapshotTemporarilyUnavailable: 'snapshot is temporarily unavailable',
  InvalidConfChange: 'invalid configuration change',
  InvalidConfig: 'invalid raft config',
  NotBootstrappable: 'cannot bootstrap raft',
};

export class RaftError extends Error {
  readonly code: RaftErrorCode;
  readonly reason: DropReason | undefined;

  constructor(code: RaftErrorCode, detail?: string, reason?: DropReason) {
    const base = messages[code];
    const suffix = reason !== undefined ? `: ${reason}` : '';
    super(detail !== undefined ? `${base}${suffix}: ${detail}` : `${base}${suffix}`);
    this.name = 'RaftError';
    this.code = code;
    this.reason = reason;
  }
}

export function isRaftError(e: unknown, code?: RaftErrorCode): e is RaftError {
  return e instanceof RaftError && (code === undefined || e.code === code);
}

export function proposalDropped(reason: DropReason): RaftError {
  return new RaftError('ProposalDropped', undefined, reason);
}
