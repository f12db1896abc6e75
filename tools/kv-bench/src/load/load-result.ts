import { Histogram, type HistogramSnapshot, type LatencySummary } from './histogram.js';
import type { Workload } from './load-spec.js';

/** What one process measured: plain data, so it crosses the worker IPC channel as JSON. */
export interface WorkerMeasurement {
  requests: number;
  errors: number;
  firstError?: string;
  latency: HistogramSnapshot;
  /** CPU time (user + system) the process spent generating the load. */
  cpuMs: number;
  wallMs: number;
  /** watch-latency: events delivered to the watchers. */
  events?: number;
}

export interface LoadResult {
  workload: Workload;
  clients: number;
  conns: number;
  workers: number;
  requests: number;
  errors: number;
  firstError?: string;
  durationMs: number;
  opsPerSecond: number;
  latency: LatencySummary;
  /** The load generator's CPU use: its CPU time over its wall time (1 = one core busy). */
  generatorCpuCores: number;
  /** The busiest generator process's CPU time over wall time: near 1 means it is the bottleneck. */
  generatorCpuMaxProcess: number;
  events?: number;
  eventsPerSecond?: number;
  histogram: HistogramSnapshot;
}

/** Combines the measurements of the processes of one run that took `durationMs` of wall time. */
export function combineMeasurements(
  shape: { workload: Workload; clients: number; conns: number; workers: number },
  measurements: WorkerMeasurement[],
  durationMs: number,
): LoadResult {
  const histogram = new Histogram();
  let requests = 0;
  let errors = 0;
  let cpuMs = 0;
  let events: number | undefined;
  let busiest = 0;
  let firstError: string | undefined;
  for (const m of measurements) {
    histogram.merge(m.latency);
    requests += m.requests;
    errors += m.errors;
    cpuMs += m.cpuMs;
    busiest = Math.max(busiest, m.wallMs > 0 ? m.cpuMs / m.wallMs : 0);
    if (m.events !== undefined) events = (events ?? 0) + m.events;
    firstError ??= m.firstError;
  }
  const seconds = durationMs / 1000;
  return {
    ...shape,
    requests,
    errors,
    ...(firstError !== undefined ? { firstError } : {}),
    durationMs,
    opsPerSecond: seconds > 0 ? requests / seconds : 0,
    latency: histogram.summary(),
    generatorCpuCores: durationMs > 0 ? cpuMs / durationMs : 0,
    generatorCpuMaxProcess: busiest,
    ...(events !== undefined ? { events, eventsPerSecond: seconds > 0 ? events / seconds : 0 } : {}),
    histogram: histogram.snapshot(),
  };
}

/** Merges repeated runs of one workload (the driver's rounds): throughput over the summed time. */
export function mergeResults(results: LoadResult[]): LoadResult {
  const first = results[0];
  if (!first) throw new Error('mergeResults needs at least one result');
  const histogram = new Histogram();
  for (const r of results) histogram.merge(r.histogram);
  const sum = (f: (r: LoadResult) => number) => results.reduce((acc, r) => acc + f(r), 0);
  const durationMs = sum((r) => r.durationMs);
  const requests = sum((r) => r.requests);
  const events = first.events !== undefined ? sum((r) => r.events ?? 0) : undefined;
  const firstError = results.find((r) => r.firstError !== undefined)?.firstError;
  return {
    ...first,
    requests,
    errors: sum((r) => r.errors),
    ...(firstError !== undefined ? { firstError } : {}),
    durationMs,
    opsPerSecond: durationMs > 0 ? (requests * 1000) / durationMs : 0,
    latency: histogram.summary(),
    generatorCpuCores: durationMs > 0 ? sum((r) => r.generatorCpuCores * r.durationMs) / durationMs : 0,
    generatorCpuMaxProcess: Math.max(...results.map((r) => r.generatorCpuMaxProcess)),
    ...(events !== undefined ? { events, eventsPerSecond: durationMs > 0 ? (events * 1000) / durationMs : 0 } : {}),
    histogram: histogram.snapshot(),
  };
}
