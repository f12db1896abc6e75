// An observer for the scenarios: where fleet reports each unit active, sampled every few hundred
// ms through ListUnitStates (fleet offers no watch of unit states). Every sample is kept, so a
// failed check can show the sequence that broke it.
import type { FleetRpc } from '../src/rpc.js';

export interface UnitSample {
  /** When it was asked for (a sample asked after an event reflects it: fleet reads kv linearizably). */
  readonly atMs: number;
  /** unit -> machine names where it is active */
  readonly active: ReadonlyMap<string, readonly string[]>;
}

export interface UnitSampler {
  readonly samples: readonly UnitSample[];
  /** Resolves once `count` more samples have been taken than when called. */
  more(count: number, timeoutMs: number): Promise<void>;
  stop(): void;
}

export function sampleUnits(
  fleet: FleetRpc,
  units: readonly string[],
  nameOf: (machineId: string) => string,
  intervalMs: number,
): UnitSampler {
  const samples: UnitSample[] = [];
  const waiters = new Set<() => void>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const take = async () => {
    const askedAtMs = Date.now();
    try {
      const states = await fleet.unitStates('');
      const active = new Map<string, string[]>(units.map((u) => [u, []]));
      for (const s of states) if (s.activeState === 'active') active.get(s.name)?.push(nameOf(s.machineId));
      samples.push({ atMs: askedAtMs, active });
      for (const w of waiters) w();
    } catch {
      // no fleetd answered (the one asked may be rebooting): the next sample asks again
    }
    if (!stopped) timer = setTimeout(() => void take(), intervalMs);
  };
  void take();
  return {
    samples,
    more(count, timeoutMs) {
      const target = samples.length + count;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (samples.length < target) return;
          clearTimeout(deadline);
          waiters.delete(check);
          resolve();
        };
        const deadline = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`only ${samples.length - target + count} of ${count} unit samples in ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** One line per sample: `+1234ms a@1=m1 a@2=m1,m3 a@3=-`. */
export function formatSamples(samples: readonly UnitSample[], sinceMs: number): string {
  return samples
    .map((s) => {
      const units = [...s.active].map(([u, hosts]) => `${u}=${hosts.length === 0 ? '-' : hosts.join(',')}`);
      return `+${s.atMs - sinceMs}ms ${units.join(' ')}`;
    })
    .join('\n');
}
