import type { LoadResult } from './load-result.js';

const fixed = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : String(n));

/** A text summary in the spirit of etcd benchmark's report. */
export function formatLoadResult(result: LoadResult): string {
  const l = result.latency;
  const lines = [
    `Summary (${result.workload}, ${result.clients} clients, ${result.conns} conns, ${result.workers} worker processes):`,
    `  Requests:     ${result.requests} ok, ${result.errors} errors${result.firstError ? ` (first: ${result.firstError})` : ''}`,
    `  Total:        ${fixed(result.durationMs / 1000, 4)} secs`,
    `  Requests/sec: ${fixed(result.opsPerSecond, 1)}`,
  ];
  if (result.eventsPerSecond !== undefined)
    lines.push(`  Events:       ${result.events} (${fixed(result.eventsPerSecond, 1)} events/sec)`);
  lines.push(
    `  Latency (ms): mean ${fixed(l.meanMs, 3)}  p50 ${fixed(l.p50Ms, 3)}  p90 ${fixed(l.p90Ms, 3)}  p99 ${fixed(l.p99Ms, 3)}  max ${fixed(l.maxMs, 3)}`,
    `  Generator:    ${fixed(result.generatorCpuCores * 100, 0)}% of a core in total, busiest process ${fixed(result.generatorCpuMaxProcess * 100, 0)}%`,
  );
  return lines.join('\n');
}

/** The JSON form: the result without the raw histogram buckets. */
export function loadResultJson(result: LoadResult): Omit<LoadResult, 'histogram'> {
  const { histogram: _histogram, ...rest } = result;
  return rest;
}
