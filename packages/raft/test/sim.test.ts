import { afterEach, describe, expect, it, vi } from 'vitest';
import { RaftLog } from '../src/log/raft-log.js';
import { runSimulation } from '../src/testing/run.js';
import { SimulationError } from '../src/testing/simulation.js';

// Seeded whole-cluster simulations (crashes losing unsynced state, partitions, drops,
// duplicates, reordering, membership churn, transfers, snapshots, reads) with the safety
// checkers after every step and a liveness check at the end. A failure names its seed;
// `node dist/testing/sim-cli.js --seeds 1 --start <seed>` replays it.
describe('simulation', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('corpus of seeds 1..200 has no violation', () => {
    const failures: string[] = [];
    const totals = new Map<string, number>();
    for (let seed = 1; seed <= 200; seed++) {
      try {
        const r = runSimulation({ seed });
        for (const [k, v] of Object.entries(r)) if (k !== 'seed') totals.set(k, (totals.get(k) ?? 0) + v);
      } catch (e) {
        failures.push((e as Error).message);
      }
    }
    expect(failures).toEqual([]);
    console.log(`simulation corpus totals: ${JSON.stringify(Object.fromEntries(totals))}`);
    // The runs did real work and every kind of fault happened.
    expect(totals.get('appliedEntries')).toBeGreaterThan(50_000);
    expect(totals.get('readsAnswered')).toBeGreaterThan(1000);
    expect(totals.get('leaderElections')).toBeGreaterThan(400);
    for (const k of ['crashes', 'partitions', 'confChanges', 'transfers', 'snapshots', 'snapshotsSent']) {
      expect(totals.get(k), k).toBeGreaterThan(50);
    }
  });

  it('fresh random seeds have no violation', () => {
    const seeds = Array.from({ length: 20 }, () => 1_000_000 + Math.floor(Math.random() * 1_000_000_000));
    console.log(`fresh simulation seeds: ${seeds.join(' ')}`);
    for (const seed of seeds) {
      try {
        runSimulation({ seed });
      } catch (e) {
        throw new Error(`simulation failed; replay with seed ${seed}: ${(e as Error).message}`);
      }
    }
  });

  it('the same seed replays exactly', () => {
    expect(runSimulation({ seed: 77 })).toEqual(runSimulation({ seed: 77 }));
    expect(runSimulation({ seed: 78 })).not.toEqual(runSimulation({ seed: 77 }));
  });

  it('catches a broken election restriction (mutation test of the checkers)', () => {
    vi.spyOn(RaftLog.prototype, 'isUpToDate').mockReturnValue(true);
    const caught: SimulationError[] = [];
    for (let seed = 1; seed <= 200 && caught.length === 0; seed++) {
      try {
        runSimulation({ seed });
      } catch (e) {
        if (e instanceof SimulationError) caught.push(e);
        else throw e;
      }
    }
    expect(caught.length).toBe(1);
    expect(caught[0]!.message).toMatch(/^seed \d+, step \d+: /);
  });

  it('catches a follower that skips the log consistency check (mutation test)', () => {
    vi.spyOn(RaftLog.prototype, 'matchTerm').mockReturnValue(true);
    let caught = 0;
    for (let seed = 1; seed <= 200 && caught === 0; seed++) {
      try {
        runSimulation({ seed });
      } catch (e) {
        if (e instanceof SimulationError) caught++;
        else throw e;
      }
    }
    expect(caught).toBe(1);
  });
});
