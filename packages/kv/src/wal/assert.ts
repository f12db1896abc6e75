import nodeAssert from 'node:assert';

/** A broken invariant is a bug: crash. */
export function assert(condition: boolean, message: string): asserts condition {
  nodeAssert.ok(condition, message);
}
