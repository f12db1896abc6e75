/**
 * The seed of a property test: LINEARIZABILITY_SEED replays a run, otherwise a fresh one. Tests put
 * it in their names, so every run prints it; fast-check prints it again (with the path) on failure.
 */
export function propertySeed(): number {
  const fromEnv = process.env.LINEARIZABILITY_SEED;
  return fromEnv === undefined ? (Date.now() ^ (Math.random() * 0x7fffffff)) | 0 : Number(fromEnv);
}
