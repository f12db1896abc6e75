import assert from 'node:assert';
import { restoreConfState } from './confchange/restore.js';
import type { Config, Logger } from './config.js';
import { validateConfig } from './config.js';
import { bytesEqual, campaignTransfer, handleVoteRequest, hup } from './election.js';
import { RaftError } from './errors.js';
import { RaftLog } from './log/raft-log.js';
import { switchToConfig } from './membership.js';
import { ReadOnly } from './read-only.js';
import { stepCandidate } from './roles/candidate.js';
import { stepFollower, tickElection } from './roles/follower.js';
import { bcastAppend, becomeLeaderState, sendReadIndexResponse, stepLeader, tickHeartbeat } from './roles/leader.js';
import type { Storage } from './storage.js';
import { Inflights } from './tracker/inflights.js';
import { ProgressTracker } from './tracker/progress-tracker.js';
import {
  type Entry,
  EntryType,
  type HardState,
  isEmptyHardState,
  type Message,
  MessageType,
  type NodeId,
  None,
  newMessage,
  payloadSize,
  type ReadState,
  StateType,
} from './types.js';

const noopLogger: Logger = { debug() {}, info() {}, warn() {} };

/**
 * The Raft state machine of one node: term, vote, log, role and, when leading, the
 * followers' progress. Messages enter through step() and leave through `msgs`.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = None;
  readonly raftLog: RaftLog;
  readonly prs: ProgressTracker;
  state: StateType = StateType.Follower;
  isLearner = false;
  lead: NodeId = None;
  /** When leading: the node leadership is being transferred to, or None. */
  leadTransferee: NodeId = None;
  /** Index of the latest conf change proposed by this leader; one at a time. */
  pendingConfIndex = 0;
  /** Payload bytes of the leader's uncommitted tail (bounded by maxUncommittedEntriesSize). */
  uncommittedSize = 0;
  readOnly: ReadOnly;
  /** ReadIndex requests received before this leader committed an entry of its term. */
  pendingReadIndexMessages: Message[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  readonly electionTimeout: number;
  readonly heartbeatTimeout: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
  readonly maxMsgSize: number;
  readonly maxUncommittedSize: number;
  readonly disableProposalForwarding: boolean;
  readonly stepDownOnRemoval: boolean;
  readonly logger: Logger;
  private readonly rng: () => number;
  /** Outgoing messages, drained into the next Ready. */
  msgs: Message[] = [];
  /** Answered read requests, drained into the next Ready. */
  readStates: ReadState[] = [];

  constructor(config: Config, storage: Storage) {
    const c = validateConfig(config);
    this.id = c.id;
    this.raftLog = new RaftLog(storage, c.maxCommittedSizePerReady);
    this.prs = new ProgressTracker(c.maxInflightMsgs, c.maxInflightBytes);
    this.electionTimeout = c.electionTick;
    this.heartbeatTimeout = c.heartbeatTick;
    this.checkQuorum = c.checkQuorum;
    this.preVote = c.preVote;
    this.maxMsgSize = c.maxSizePerMsg;
    this.maxUncommittedSize = c.maxUncommittedEntriesSize;
    this.disableProposalForwarding = c.disableProposalForwarding;
    this.stepDownOnRemoval = c.stepDownOnRemoval;
    this.logger = c.logger ?? noopLogger;
    this.rng = c.rng;
    this.readOnly = new ReadOnly(c.readOnlyOption);

    const { hardState, confState } = storage.initialState();
    switchToConfig(this, restoreConfState(this.prs, confState, this.raftLog.lastIndex()));
    if (!isEmptyHardState(hardState)) this.loadState(hardState);
    if (c.applied > 0) this.raftLog.appliedTo(c.applied);
    this.becomeFollower(this.term, None);
  }

  private loadState(hs: HardState): void {
    if (hs.commit > this.raftLog.lastIndex()) {
      throw new RaftError(
        'Unavailable',
        `hardState.commit ${hs.commit} is beyond the last index ${this.raftLog.lastIndex()}`,
      );
    }
    // A snapshot is committed by definition, even if the saved commit index is older.
    this.raftLog.committed = Math.max(hs.commit, this.raftLog.committed);
    this.term = hs.term;
    this.vote = hs.vote;
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.raftLog.committed };
  }

  /** Queues a message; fills in `from` and, except for forwarded requests, `term`. */
  send(m: Message): void {
    const out = m.from === None ? { ...m, from: this.id } : m;
    const t = out.type;
    if (
      t === MessageType.MsgVote ||
      t === MessageType.MsgVoteResp ||
      t === MessageType.MsgPreVote ||
      t === MessageType.MsgPreVoteResp
    ) {
      assert(out.term !== 0, `term should be set when sending ${MessageType[t]}`);
    } else if (t !== MessageType.MsgProp && t !== MessageType.MsgReadIndex) {
      assert(out.term === 0, `term should not be set when sending ${MessageType[t]} (was ${out.term})`);
      out.term = this.term;
    }
    this.msgs.push(out);
  }

  // ---- role transitions ----

  private reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = None;
    }
    this.lead = None;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.electionTimeout + Math.floor(this.rng() * this.electionTimeout);
    this.leadTransferee = None;
    this.prs.resetVotes();
    const last = this.raftLog.lastIndex();
    const stable = this.raftLog.lastStableIndex();
    this.prs.visit((id, pr) => {
      pr.match = id === this.id ? stable : 0;
      pr.next = last + 1;
      pr.inflights = new Inflights(this.prs.maxInflight, this.prs.maxInflightBytes);
      pr.becomeProbe();
      pr.next = last + 1;
      pr.recentActive = id === this.id;
    });
    this.pendingConfIndex = 0;
    this.uncommittedSize = 0;
    this.readOnly = new ReadOnly(this.readOnly.option);
    this.pendingReadIndexMessages = [];
  }

  becomeFollower(term: number, lead: NodeId): void {
    const wasLeader = this.state === StateType.Leader;
    this.reset(term);
    this.lead = lead;
    this.state = StateType.Follower;
    if (wasLeader) this.logger.info({ id: this.id, term }, 'leader stepped down');
    this.logger.info({ id: this.id, term, lead }, 'became follower');
  }

  becomeCandidate(): void {
    assert(this.state !== StateType.Leader, 'invalid transition [leader -> candidate]');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = StateType.Candidate;
    this.logger.info({ id: this.id, term: this.term }, 'became candidate');
  }

  becomePreCandidate(): void {
    assert(this.state !== StateType.Leader, 'invalid transition [leader -> pre-candidate]');
    // Neither term nor vote change: a pre-election must not disrupt the cluster.
    this.prs.resetVotes();
    this.lead = None;
    this.state = StateType.PreCandidate;
    this.logger.info({ id: this.id, term: this.term }, 'became pre-candidate');
  }

  becomeLeader(): void {
    assert(this.state !== StateType.Follower, 'invalid transition [follower -> leader]');
    this.reset(this.term);
    this.lead = this.id;
    this.state = StateType.Leader;
    becomeLeaderState(this);
    this.logger.info({ id: this.id, term: this.term }, 'became leader');
    bcastAppend(this);
  }

  // ---- step: the single entry point for messages ----

  step(m: Message): void {
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === MessageType.MsgVote || m.type === MessageType.MsgPreVote) {
        const force = bytesEqual(m.context, campaignTransfer);
        const inLease = this.checkQuorum && this.lead !== None && this.electionElapsed < this.electionTimeout;
        if (!force && inLease) {
          // Leader stickiness: a node that heard from a leader within the election timeout
          // neither bumps its term nor grants a vote (§4.2.3 of the thesis).
          this.logger.debug({ id: this.id, from: m.from, term: this.term }, 'ignored vote request: lease not expired');
          return;
        }
      }
      if (m.type === MessageType.MsgPreVote) {
        // Never change the term in response to a pre-vote.
      } else if (m.type === MessageType.MsgPreVoteResp && !m.reject) {
        // The term is bumped when a quorum of pre-votes arrives.
      } else if (
        m.type === MessageType.MsgApp ||
        m.type === MessageType.MsgHeartbeat ||
        m.type === MessageType.MsgSnap
      ) {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, None);
      }
    } else if (m.term < this.term) {
      this.stepStale(m);
      return;
    }

    switch (m.type) {
      case MessageType.MsgHup:
        hup(this, this.preVote ? 'pre-election' : 'election');
        return;
      case MessageType.MsgVote:
      case MessageType.MsgPreVote:
        handleVoteRequest(this, m);
        return;
      default:
        if (this.state === StateType.Leader) stepLeader(this, m);
        else if (this.state === StateType.Follower) stepFollower(this, m);
        else stepCandidate(this, m);
    }
  }

  private stepStale(m: Message): void {
    if ((this.checkQuorum || this.preVote) && (m.type === MessageType.MsgHeartbeat || m.type === MessageType.MsgApp)) {
      // A stale leader (e.g. after a partition) learns of the newer term from this answer.
      this.send(newMessage({ type: MessageType.MsgAppResp, to: m.from }));
    } else if (m.type === MessageType.MsgPreVote) {
      this.send(newMessage({ type: MessageType.MsgPreVoteResp, to: m.from, term: this.term, reject: true }));
    }
  }

  tick(): void {
    if (this.state === StateType.Leader) tickHeartbeat(this);
    else tickElection(this);
  }

  // ---- log appends and commits ----

  /** Appends proposed entries at the leader with the current term; false if over the uncommitted budget. */
  appendEntry(es: readonly Entry[]): boolean {
    const li = this.raftLog.lastIndex();
    const ents = es.map((e, i) => ({ term: this.term, index: li + 1 + i, type: e.type, data: e.data }));
    if (!this.increaseUncommittedSize(ents)) {
      this.logger.warn({ id: this.id }, 'appending new entries to log would exceed uncommitted entry size limit');
      return false;
    }
    this.raftLog.append(ents);
    // The leader's own match advances when the entries are persisted (advance()).
    return true;
  }

  private increaseUncommittedSize(ents: readonly Entry[]): boolean {
    const s = payloadSize(ents);
    if (this.uncommittedSize > 0 && s > 0 && this.uncommittedSize + s > this.maxUncommittedSize) return false;
    this.uncommittedSize += s;
    return true;
  }

  reduceUncommittedSize(ents: readonly Entry[]): void {
    if (this.state !== StateType.Leader) return;
    const s = payloadSize(ents);
    this.uncommittedSize = s > this.uncommittedSize ? 0 : this.uncommittedSize - s;
  }

  /** Commits what a quorum acknowledged (current-term entries only). */
  maybeCommit(): boolean {
    return this.raftLog.maybeCommit(this.prs.committed(), this.term);
  }

  /** The application applied entries up to `index`; may propose leaving an auto-leave joint config. */
  appliedTo(index: number, applied: readonly Entry[]): void {
    this.raftLog.appliedTo(index);
    this.reduceUncommittedSize(applied);
    if (this.prs.config.autoLeave && index >= this.pendingConfIndex && this.state === StateType.Leader) {
      // An empty ConfChangeV2 (empty data) leaves the joint config; it has no size, so it is
      // only refused during a leadership transfer, and then retried on the next apply.
      const m = newMessage({
        type: MessageType.MsgProp,
        entries: [{ term: 0, index: 0, type: EntryType.ConfChangeV2, data: new Uint8Array(0) }],
      });
      try {
        this.step(m);
        this.logger.info({ id: this.id, index }, 'initiating automatic transition out of joint configuration');
      } catch (e) {
        if (!(e instanceof RaftError)) throw e;
        this.logger.debug({ id: this.id, err: e.message }, 'not initiating automatic leave of joint configuration');
      }
    }
  }

  abortLeaderTransfer(): void {
    this.leadTransferee = None;
  }

  releasePendingReadIndexMessages(): void {
    if (this.pendingReadIndexMessages.length === 0) return;
    if (!this.committedEntryInCurrentTerm()) return;
    const msgs = this.pendingReadIndexMessages;
    this.pendingReadIndexMessages = [];
    for (const m of msgs) sendReadIndexResponse(this, m);
  }

  committedEntryInCurrentTerm(): boolean {
    return this.raftLog.termOrZero(this.raftLog.committed) === this.term;
  }
}
