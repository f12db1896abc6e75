import type { Inflights } from './inflights.js';

export enum ProgressState {
  /** Unknown match: send one MsgApp at a time and wait for the answer. */
  Probe = 0,
  /** Known match: stream MsgApps optimistically, bounded by the inflight window. */
  Replicate = 1,
  /** The follower needs a snapshot; no MsgApp until it reports back. */
  Snapshot = 2,
}

/** The leader's view of one follower's log. */
export class Progress {
  match: number;
  next: number;
  state: ProgressState = ProgressState.Probe;
  /** In Snapshot state, the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Heard from recently (reset each election timeout when checkQuorum is on). */
  recentActive: boolean;
  /**
   * Probe: a probe is outstanding. Replicate: the inflight window is full. Either way no
   * MsgApp until a reply or a heartbeat response clears it.
   */
  msgAppFlowPaused = false;
  inflights: Inflights;
  isLearner: boolean;

  constructor(next: number, match: number, inflights: Inflights, isLearner: boolean, recentActive: boolean) {
    this.next = next;
    this.match = match;
    this.inflights = inflights;
    this.isLearner = isLearner;
    this.recentActive = recentActive;
  }

  clone(): Progress {
    const p = new Progress(this.next, this.match, this.inflights.clone(), this.isLearner, this.recentActive);
    p.state = this.state;
    p.pendingSnapshot = this.pendingSnapshot;
    p.msgAppFlowPaused = this.msgAppFlowPaused;
    return p;
  }

  private resetState(state: ProgressState): void {
    this.msgAppFlowPaused = false;
    this.pendingSnapshot = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === ProgressState.Snapshot) {
      const pending = this.pendingSnapshot;
      this.resetState(ProgressState.Probe);
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.resetState(ProgressState.Probe);
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.resetState(ProgressState.Replicate);
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState(ProgressState.Snapshot);
    this.pendingSnapshot = snapshotIndex;
  }

  /** Accounts for a MsgApp just sent carrying `entries` entries of `bytes` payload. */
  sentEntries(entries: number, bytes: number): void {
    if (this.state === ProgressState.Replicate) {
      if (entries > 0) {
        this.next += entries;
        this.inflights.add(this.next - 1, bytes);
      }
      this.msgAppFlowPaused = this.inflights.full();
    } else if (this.state === ProgressState.Probe) {
      this.msgAppFlowPaused = true;
    }
  }

  /** A successful MsgAppResp for index n: returns whether match advanced. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.msgAppFlowPaused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejected MsgApp at index `rejected` with the follower's hint: returns false if the
   * rejection is stale (out of order), otherwise lowers next.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === ProgressState.Replicate) {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.msgAppFlowPaused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case ProgressState.Probe:
      case ProgressState.Replicate:
        return this.msgAppFlowPaused;
      case ProgressState.Snapshot:
        return true;
    }
  }
}
