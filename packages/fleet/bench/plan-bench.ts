// One planning pass over 10,000 units and 100 machines: `npx tsx packages/fleet/bench/plan-bench.ts`.
// Units are instances of 100 templates (web-N@i.service); half the templates carry
// Conflicts=<template>@*.service, a quarter require metadata, every 20th unit of the others follows another
// (MachineOf). Prints the median and worst wall time of a pass from an empty schedule and of a
// pass over an already-complete schedule (the steady state the engine sees every tick).
import { type Machine, plan, type SchedulerUnit } from '../src/index.js';
import { noRequirements } from '../src/unit/x-fleet.js';

const MACHINES = 100;
const TEMPLATES = 100;
const INSTANCES = 100;
const RUNS = 15;

const machines: Machine[] = Array.from({ length: MACHINES }, (_, i) => ({
  id: i.toString(16).padStart(8, '0').padEnd(32, 'a'),
  publicIp: `10.0.${i >> 8}.${i & 255}`,
  metadata: { region: i % 2 === 0 ? 'us' : 'eu', disk: i % 3 === 0 ? 'ssd' : 'hdd' },
  drained: i % 50 === 49,
}));

const units: SchedulerUnit[] = [];
for (let t = 0; t < TEMPLATES; t++) {
  for (let i = 0; i < INSTANCES; i++) {
    const name = `web-${t}@${i}.service`;
    const follows = t % 2 === 1 && i % 20 === 19 ? [`web-${t}@${i - 1}.service`] : [];
    units.push({
      name,
      desiredState: 'launched',
      requirements: {
        ...noRequirements,
        machineOf: follows,
        conflicts: t % 2 === 0 && i < 90 ? [`web-${t}@*.service`] : [],
        machineMetadata: t % 4 === 1 ? new Map([['region', new Set(['us', 'eu'])]]) : new Map(),
      },
    });
  }
}

// CPU time of the pass (user + system), which other load on the machine disturbs far less than
// wall time; wall time is printed too.
function time(assignments: ReadonlyMap<string, string>): {
  ms: number;
  wallMs: number;
  result: ReturnType<typeof plan>;
} {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = plan(units, machines, assignments);
  const used = process.cpuUsage(cpu);
  return { ms: (used.user + used.system) / 1000, wallMs: Number(process.hrtime.bigint() - start) / 1e6, result };
}

function report(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const worst = sorted[sorted.length - 1] ?? 0;
  console.log(`${label}: median ${median.toFixed(1)} ms, worst ${worst.toFixed(1)} ms over ${samples.length} runs`);
}

const empty = new Map<string, string>();
const cold: number[] = [];
const coldWall: number[] = [];
const steady: number[] = [];
const steadyWall: number[] = [];
let last = time(empty).result; // warm-up
for (let r = 0; r < RUNS; r++) {
  const a = time(empty);
  cold.push(a.ms);
  coldWall.push(a.wallMs);
  last = a.result;
  const b = time(last.assignments);
  steady.push(b.ms);
  steadyWall.push(b.wallMs);
}
console.log(
  `${units.length} units, ${machines.length} machines: ${last.assignments.size} placed, ${last.unplaced.length} unplaced`,
);
report('plan from an empty schedule, CPU', cold);
report('plan from an empty schedule, wall', coldWall);
report('plan over a complete schedule, CPU', steady);
report('plan over a complete schedule, wall', steadyWall);
