/**
 * The search's stack of choices: which operation took effect, the state before it, the states it
 * could lead to, and which of those was taken.
 */
export interface Choice<State> {
  readonly operation: number;
  readonly stateBefore: State;
  readonly successors: readonly State[];
  readonly choice: number;
}

export class ChoiceStack<State> {
  private readonly operations: number[] = [];
  private readonly statesBefore: State[] = [];
  private readonly successors: (readonly State[])[] = [];
  private readonly choices: number[] = [];

  get depth(): number {
    return this.operations.length;
  }

  push(choice: Choice<State>): void {
    this.operations.push(choice.operation);
    this.statesBefore.push(choice.stateBefore);
    this.successors.push(choice.successors);
    this.choices.push(choice.choice);
  }

  pop(): Choice<State> | undefined {
    const operation = this.operations.pop();
    if (operation === undefined) return undefined;
    return {
      operation,
      stateBefore: this.statesBefore.pop()!,
      successors: this.successors.pop()!,
      choice: this.choices.pop()!,
    };
  }

  /** Operations and choices, bottom first: a cheap copy that can be replayed later. */
  snapshot(): { operations: number[]; choices: number[] } {
    return { operations: this.operations.slice(), choices: this.choices.slice() };
  }

  /** The operations with the state after each; `current` is the state after the top one. */
  steps(current: State): { operation: number; stateAfter: State }[] {
    return this.operations.map((operation, i) => ({
      operation,
      stateAfter: i + 1 < this.operations.length ? this.statesBefore[i + 1]! : current,
    }));
  }
}
