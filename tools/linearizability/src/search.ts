import assert from 'node:assert/strict';
import { ChoiceStack } from './choice-stack.js';
import { EventList, NIL } from './event-list.js';
import type { Operation } from './history.js';
import { indeterminateTwins } from './indeterminate-twins.js';
import { LinearizedSet } from './linearized-set.js';
import type { Model } from './model.js';
import { SearchCache } from './search-cache.js';

/**
 * The search for one partition: Wing & Gong's backtracking with Lowe's memoisation (as in
 * Porcupine). Walk the time-ordered events; at a call, try to make that operation take effect
 * now (lift it out of the list); at a return, the operation it belongs to should already have
 * taken effect, so undo the last choice and try the next one. A configuration (linearized set,
 * model state) already seen, or subsumed by one seen, is never explored again. The search succeeds
 * once every completed operation has taken effect: indeterminate ones left over never did.
 *
 * Operations here are indexed 0..n-1 within the partition.
 */
export interface SearchLimits {
  /** Polled every few hundred steps; true ends the search with 'timeout'. */
  readonly expired: () => boolean;
  readonly cacheEntriesMax: number;
}

export interface PrefixStep<State> {
  readonly operation: number;
  readonly stateAfter: State;
}

export type SearchOutcome<State> =
  | { readonly kind: 'ok'; readonly linearization: readonly PrefixStep<State>[]; readonly statesExplored: number }
  | { readonly kind: 'illegal'; readonly longestPrefix: readonly PrefixStep<State>[]; readonly statesExplored: number }
  | {
      readonly kind: 'unknown';
      readonly reason: 'timeout' | 'cache-limit';
      readonly longestPrefix: readonly PrefixStep<State>[];
      readonly statesExplored: number;
    };

export function searchLinearization<State, Input, Output>(
  model: Model<State, Input, Output>,
  operations: readonly Operation<Input, Output>[],
  limits: SearchLimits,
): SearchOutcome<State> {
  return new LinearizationSearch(model, operations).run(limits);
}

const POLL_MASK = 255;

class LinearizationSearch<State, Input, Output> {
  private readonly list: EventList;
  private readonly linearized: LinearizedSet;
  private readonly cache = new SearchCache();
  private readonly stateIds = new Map<string | number, number>();
  private readonly stack = new ChoiceStack<State>();
  private readonly indeterminate: readonly boolean[];
  /** Completed read-only operations, for the reduction in backtrack(). */
  private readonly readOnly: readonly boolean[];
  private readonly twinBefore: Int32Array;
  private state: State;
  private completedLeft: number;
  /**
   * Each configuration's candidates (the calls before the first return) are tried in two passes:
   * completed operations, then indeterminate ones. Configurations with fewer indeterminate
   * operations taken are thus reached first, and subsume the others in the cache.
   */
  private indeterminatePass = false;
  /** The longest prefix seen, as a replayable snapshot, refreshed lazily on backtracking. */
  private longest = { operations: [] as number[], choices: [] as number[] };
  private longestStale = false;

  constructor(
    private readonly model: Model<State, Input, Output>,
    private readonly operations: readonly Operation<Input, Output>[],
  ) {
    const calls = operations.map((op) => op.call);
    this.indeterminate = operations.map((op) => op.return === undefined);
    this.list = new EventList(
      calls,
      operations.map((op) => op.return ?? Number.POSITIVE_INFINITY),
    );
    this.linearized = new LinearizedSet(calls, this.indeterminate);
    this.readOnly = operations.map((op) => op.return !== undefined && (model.isReadOnly?.(op.input) ?? false));
    this.twinBefore = indeterminateTwins(operations);
    this.state = model.init();
    this.completedLeft = operations.length - this.indeterminate.filter(Boolean).length;
  }

  run(limits: SearchLimits): SearchOutcome<State> {
    const { list } = this;
    let entry = list.first();
    let steps = 0;
    while (this.completedLeft > 0) {
      if ((++steps & POLL_MASK) === 0 && limits.expired()) return this.unknown('timeout');
      if (this.cache.size > limits.cacheEntriesMax) return this.unknown('cache-limit');
      assert.notEqual(entry, NIL, 'a completed operation is left, so its return event is ahead');
      if (list.isCall[entry] === 1) {
        entry = this.tryCall(entry);
      } else if (!this.indeterminatePass) {
        this.indeterminatePass = true;
        entry = list.first();
      } else {
        // A return: its operation must have taken effect by now, and it has not.
        this.snapshotLongest();
        const resume = this.backtrack();
        if (resume === undefined) {
          return { kind: 'illegal', longestPrefix: this.longestPrefix(), statesExplored: this.cache.size };
        }
        entry = resume;
      }
    }
    return { kind: 'ok', linearization: this.stack.steps(this.state), statesExplored: this.cache.size };
  }

  /** Tries to make the operation of call event `entry` take effect now; returns the next event to look at. */
  private tryCall(entry: number): number {
    const { list } = this;
    const op = list.operationOf[entry]!;
    if (this.indeterminate[op] !== this.indeterminatePass) return list.next[entry]!;
    const twin = this.twinBefore[op]!;
    if (twin >= 0 && !this.linearized.has(twin)) return list.next[entry]!;
    const operation = this.operations[op]!;
    const successors = this.model.step(this.state, operation.input, operation.output);
    const choice = successors.length === 0 ? -1 : this.choose(op, successors, 0);
    if (choice < 0) return list.next[entry]!;
    this.place(op, successors, choice);
    return list.first();
  }

  /** Takes the first successor at or after `from` whose configuration is new; -1 if none is. */
  private choose(op: number, successors: readonly State[], from: number): number {
    this.linearized.add(op);
    for (let k = from; k < successors.length; k++) {
      if (this.cache.insert(this.linearized, this.stateIdOf(successors[k]!))) return k;
    }
    this.linearized.remove(op);
    return -1;
  }

  /** Makes `op` take effect, moving to `successors[choice]` (already added to the linearized set). */
  private place(op: number, successors: readonly State[], choice: number): void {
    this.stack.push({ operation: op, stateBefore: this.state, successors, choice });
    this.state = successors[choice]!;
    this.list.lift(op);
    if (!this.indeterminate[op]) this.completedLeft--;
    if (this.stack.depth > this.longest.operations.length) this.longestStale = true;
    this.indeterminatePass = false;
  }

  /**
   * Undoes choices until one has an untried alternative; returns the event to resume scanning
   * from, or undefined when every choice has been tried.
   */
  private backtrack(): number | undefined {
    for (;;) {
      const last = this.stack.pop();
      if (last === undefined) return undefined;
      const op = last.operation;
      this.state = last.stateBefore;
      this.list.unlift(op);
      this.linearized.remove(op);
      if (!this.indeterminate[op]) this.completedLeft++;
      const choice = this.choose(op, last.successors, last.choice + 1);
      if (choice >= 0) {
        this.place(op, last.successors, choice);
        return this.list.first();
      }
      // Placing a completed read-only operation as soon as it fits never rules out a
      // linearization: it changes nothing, everything that had to precede it already took
      // effect, and every linearization from here has it somewhere. So if nothing follows from
      // it, nothing follows from the configuration it was placed in: keep undoing.
      if (!this.readOnly[op]) {
        this.indeterminatePass = this.indeterminate[op]!;
        return this.list.next[this.list.callEventOf[op]!]!;
      }
    }
  }

  private stateIdOf(state: State): number {
    const key = this.model.stateKey(state);
    let id = this.stateIds.get(key);
    if (id === undefined) {
      id = this.stateIds.size;
      this.stateIds.set(key, id);
    }
    return id;
  }

  private snapshotLongest(): void {
    if (!this.longestStale) return;
    this.longest = this.stack.snapshot();
    this.longestStale = false;
  }

  private longestPrefix(): PrefixStep<State>[] {
    this.snapshotLongest();
    let replayed = this.model.init();
    return this.longest.operations.map((operation, i) => {
      const op = this.operations[operation]!;
      replayed = this.model.step(replayed, op.input, op.output)[this.longest.choices[i]!]!;
      return { operation, stateAfter: replayed };
    });
  }

  private unknown(reason: 'timeout' | 'cache-limit'): SearchOutcome<State> {
    return { kind: 'unknown', reason, longestPrefix: this.longestPrefix(), statesExplored: this.cache.size };
  }
}
