import type { RaftLog } from '../log/raft-log.js';
import type { Entry, NodeId } from '../types.js';

/** A safety or liveness property the simulation found broken. */
export class Violation extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'Violation';
  }
}

function content(e: Entry): string {
  return `${e.type}:${Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength).toString('latin1')}`;
}

interface CommitRecord {
  index: number;
  entryTerm: number;
  /** Term of the leader that committed it. */
  leaderTerm: number;
}

/**
 * Global history of what every node persisted, committed and applied, checked
 * incrementally against Raft's safety properties (Figure 3 of the paper).
 */
export class SafetyChecker {
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /** (index, term) -> content and term of the previous entry: log matching, inductively. */
  private readonly persisted = new Map<string, { content: string; prevTerm: number }>();
  /** index -> term and state hash after applying it: state machine safety. */
  private readonly applied = new Map<number, { term: number; hash: number; content: string }>();
  private readonly commits: CommitRecord[] = [];
  private readonly checkedLeaders = new Set<string>();
  /** The highest index ever observed committed anywhere. */
  maxCommit = 0;
  leaderElections = 0;
  appliedEntries = 0;

  /** Election safety: at most one leader per term. */
  onLeader(id: NodeId, term: number, log: RaftLog): void {
    const key = `${id}/${term}`;
    if (this.checkedLeaders.has(key)) return;
    this.checkedLeaders.add(key);
    this.leaderElections++;
    const other = this.leaderOfTerm.get(term);
    if (other !== undefined && other !== id) throw new Violation(`two leaders in term ${term}: ${other} and ${id}`);
    this.leaderOfTerm.set(term, id);
    // Leader completeness: every entry committed by a leader of an earlier term is in our log.
    for (let i = this.commits.length - 1; i >= 0; i--) {
      const c = this.commits[i]!;
      if (c.leaderTerm >= term) continue;
      if (c.index < log.firstIndex() - 1) break; // compacted: covered by our snapshot
      const t = log.termOrZero(c.index);
      if (t !== c.entryTerm) {
        throw new Violation(
          `leader ${id} of term ${term} lacks entry ${c.index} (term ${c.entryTerm}) committed in term ${c.leaderTerm}; has term ${t}`,
        );
      }
      break;
    }
  }

  /** A leader observed its commit index at `index`, whose entry has `entryTerm`. */
  onLeaderCommit(leaderTerm: number, index: number, entryTerm: number): void {
    const last = this.commits[this.commits.length - 1];
    if (last !== undefined && last.index >= index) return;
    this.commits.push({ index, entryTerm, leaderTerm });
    if (this.commits.length > 256) this.commits.splice(0, 128);
  }

  onCommitObserved(index: number): void {
    if (index > this.maxCommit) this.maxCommit = index;
  }

  /** Log matching: an (index, term) pair always names the same entry with the same predecessor. */
  onPersist(id: NodeId, e: Entry, prevTerm: number): void {
    const key = `${e.index}/${e.term}`;
    const c = content(e);
    const seen = this.persisted.get(key);
    if (seen === undefined) {
      this.persisted.set(key, { content: c, prevTerm });
      return;
    }
    if (seen.content !== c) throw new Violation(`node ${id} persisted a different entry at ${key}`);
    if (prevTerm >= 0 && seen.prevTerm >= 0 && seen.prevTerm !== prevTerm) {
      throw new Violation(`node ${id} has entry ${key} after term ${prevTerm}, others after ${seen.prevTerm}`);
    }
  }

  /** State machine safety: every node applies the same entry at each index, in order. */
  onApply(id: NodeId, e: Entry, hashAfter: number): void {
    this.appliedEntries++;
    const seen = this.applied.get(e.index);
    if (seen === undefined) {
      this.applied.set(e.index, { term: e.term, hash: hashAfter, content: content(e) });
      return;
    }
    if (seen.term !== e.term || seen.content !== content(e)) {
      throw new Violation(`node ${id} applied (${e.index}, term ${e.term}) but another node applied term ${seen.term}`);
    }
    if (seen.hash !== hashAfter) throw new Violation(`node ${id} state diverged at index ${e.index}`);
  }

  /** A snapshot installed at `index` must carry the state others had after applying `index`. */
  onSnapshotInstalled(id: NodeId, index: number, hash: number): void {
    const seen = this.applied.get(index);
    if (seen !== undefined && seen.hash !== hash)
      throw new Violation(`node ${id} installed a divergent snapshot at ${index}`);
  }

  /** Linearizable reads: the read index covers every write committed before the read was issued. */
  onReadState(id: NodeId, readIndex: number, commitAtIssue: number): void {
    if (readIndex < commitAtIssue) {
      throw new Violation(`node ${id} got read index ${readIndex} below ${commitAtIssue}, committed before the read`);
    }
  }
}
