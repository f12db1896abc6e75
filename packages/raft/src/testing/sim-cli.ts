import { runSimulation } from './run.js';

/**
 * Runs seeded simulations outside vitest: `node dist/testing/sim-cli.js --seeds N [--start S] [--steps K]`.
 * Prints each violation with its seed and ends with `seeds: N, violations: V`.
 */
function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(v) || v < 0) {
    process.stderr.write(`--${name} must be a non-negative integer\n`);
    process.exit(2);
  }
  return v;
}

const seeds = arg('seeds', 100);
const start = arg('start', 1);
const steps = arg('steps', 2000);
let violations = 0;
let applied = 0;
const t0 = performance.now();
for (let seed = start; seed < start + seeds; seed++) {
  try {
    applied += runSimulation({ seed, steps }).appliedEntries;
  } catch (e) {
    violations++;
    process.stdout.write(`violation: ${(e as Error).message}\n`);
  }
}
const secs = ((performance.now() - t0) / 1000).toFixed(1);
process.stdout.write(`applied entries: ${applied}, elapsed: ${secs}s\n`);
process.stdout.write(`seeds: ${seeds}, violations: ${violations}\n`);
process.exitCode = violations > 0 ? 1 : 0;
