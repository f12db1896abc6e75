import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { RunningCluster } from '@coreos-ts/kv-client/testing';
import { type LoadResult, mergeResults } from '../load/load-result.js';
import { defaultLoadSpec, type LoadSpec } from '../load/load-spec.js';
import { runLoad } from '../load/run-load.js';
import { type Backend, type BackendName, endpointsLeaderFirst, putKey, startBackendCluster } from './clusters.js';
import { throughputOf } from './comparison-table.js';
import { driverPlan, type PlannedWorkload, RANGE_KEY } from './driver-plan.js';
import type { DriverReport, WorkloadComparison } from './driver-report.js';
import { memberFigures, profileKvdLeader, restartToServingMs } from './member-phases.js';
import { renderThroughputChart } from './svg-chart.js';

export interface DriverOptions {
  short: boolean;
  /** Each workload runs kvd, etcd, kvd, etcd, ... this many times each, results merged. */
  rounds: number;
  /** Load generator processes (at most the workload's connections). */
  workers: number;
  rssKeys: number;
  chartClients: number[];
  chartPath?: string;
  cpuProfDir?: string;
  kvdBinary: string;
  etcdBinary: string;
  /** Parent of the run's temp dir: both clusters' data dirs are on its filesystem. */
  dataRoot: string;
  log: (message: string) => void;
}

type Clusters = Record<BackendName, RunningCluster>;

function specFor(planned: PlannedWorkload, endpoints: string[], workers: number, seed: number): LoadSpec {
  const spec = { ...defaultLoadSpec(), ...planned.spec, endpoints, seed };
  const maxWorkers = spec.workload === 'watch-latency' ? 1 : Math.min(spec.conns, spec.clients);
  return { ...spec, workers: Math.max(1, Math.min(workers, maxWorkers)) };
}

async function compareWorkload(
  planned: PlannedWorkload,
  endpoints: Record<BackendName, string[]>,
  options: DriverOptions,
): Promise<WorkloadComparison> {
  const runs: Record<BackendName, LoadResult[]> = { kvd: [], etcd: [] };
  for (let round = 0; round < options.rounds; round++) {
    for (const name of ['kvd', 'etcd'] as const) {
      const result = await runLoad(specFor(planned, endpoints[name], options.workers, round + 1));
      options.log(
        `${planned.id} round ${round + 1} ${name}: ${throughputOf(result).toFixed(0)}/s, ${result.errors} errors`,
      );
      runs[name].push(result);
    }
  }
  return {
    id: planned.id,
    title: planned.title,
    results: { kvd: mergeResults(runs.kvd), etcd: mergeResults(runs.etcd) },
  };
}

async function loadKeys(clusters: Clusters, keys: number, options: DriverOptions) {
  const planned: PlannedWorkload = {
    id: 'keys',
    title: 'keys',
    spec: { workload: 'put', keySize: 8, valSize: 256, keySpaceSize: keys, sequentialKeys: true },
  };
  const loadOpsPerSecond = { kvd: 0, etcd: 0 };
  for (const name of ['kvd', 'etcd'] as const) {
    const endpoints = await endpointsLeaderFirst(clusters[name]);
    const spec = { ...specFor(planned, endpoints, options.workers, 1), clients: 256, conns: 16, total: keys };
    const result = await runLoad({ ...spec, workers: Math.min(options.workers, 16) });
    options.log(`load ${keys} keys ${name}: ${result.opsPerSecond.toFixed(0)}/s, ${result.errors} errors`);
    loadOpsPerSecond[name] = result.opsPerSecond;
  }
  return { keys, loadOpsPerSecond, figures: { kvd: memberFigures(clusters.kvd), etcd: memberFigures(clusters.etcd) } };
}

function writeChart(path: string, report: DriverReport, chartClients: number[]): void {
  const pointsOf = (name: BackendName) =>
    chartClients.flatMap((clients): [number, number][] => {
      const row = report.workloads.find((w) => w.id === `put-${clients}c`);
      return row ? [[clients, row.results[name].opsPerSecond]] : [];
    });
  const svg = renderThroughputChart('put throughput (256-byte values), 3 members on loopback', [
    { name: 'kvd', color: '#d62728', points: pointsOf('kvd') },
    { name: 'etcd 3.4', color: '#1f77b4', points: pointsOf('etcd') },
  ]);
  writeFileSync(path, svg);
}

/** Profiles a fresh kvd cluster's leader under the 256-client put workload of the plan. */
async function profileUnderPut(options: DriverOptions, profileDir: string, root: string) {
  const plan = driverPlan({ short: options.short, rssKeys: 0, chartClients: [] });
  const profiled = plan.workloads.find((w) => w.id === 'put-256c')!;
  const spec = specFor(profiled, [], options.workers, 9);
  const result = await profileKvdLeader({ kvdLauncher: options.kvdBinary, root, profileDir, spec, topCount: 15 });
  return { workload: profiled.title, ...result };
}

/** Only the profile of kvd (no etcd, no comparison): for whoever tunes kvd. */
export async function runKvdProfile(
  options: DriverOptions & { cpuProfDir: string },
): Promise<NonNullable<DriverReport['profile']>> {
  const root = mkdtempSync(join(options.dataRoot, 'kv-bench-'));
  try {
    return await profileUnderPut(options, options.cpuProfDir, root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Brings up both clusters, runs the plan alternating kvd and etcd, measures, tears down. */
export async function runDriver(options: DriverOptions): Promise<DriverReport> {
  const startedAt = new Date().toISOString();
  const loadStart = loadavg();
  const plan = driverPlan({ short: options.short, rssKeys: options.rssKeys, chartClients: options.chartClients });
  const root = mkdtempSync(join(options.dataRoot, 'kv-bench-'));
  const backends: Backend[] = [
    { name: 'kvd', binary: options.kvdBinary },
    { name: 'etcd', binary: options.etcdBinary },
  ];
  const started: RunningCluster[] = [];
  try {
    for (const backend of backends) {
      started.push(await startBackendCluster(backend, root));
      options.log(`${backend.name} cluster serving`);
    }
    const clusters: Clusters = { kvd: started[0]!, etcd: started[1]! };
    const endpoints = {
      kvd: await endpointsLeaderFirst(clusters.kvd),
      etcd: await endpointsLeaderFirst(clusters.etcd),
    };
    for (const name of ['kvd', 'etcd'] as const) await putKey(endpoints[name][0]!, RANGE_KEY, Buffer.alloc(256, 'r'));
    const workloads: WorkloadComparison[] = [];
    for (const planned of plan.workloads) workloads.push(await compareWorkload(planned, endpoints, options));
    const afterRun = { kvd: memberFigures(clusters.kvd), etcd: memberFigures(clusters.etcd) };
    const afterKeys = plan.rssKeys > 0 ? await loadKeys(clusters, plan.rssKeys, options) : undefined;
    const servingMs = { kvd: await restartToServingMs(clusters.kvd), etcd: await restartToServingMs(clusters.etcd) };
    options.log(`restart to serving: kvd ${servingMs.kvd.toFixed(0)} ms, etcd ${servingMs.etcd.toFixed(0)} ms`);
    const profile = options.cpuProfDir ? await profileUnderPut(options, options.cpuProfDir, root) : undefined;
    const report: DriverReport = {
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        memoryBytes: totalmem(),
        node: process.version,
        kernel: release(),
      },
      loadAverage: { start: loadStart, end: loadavg() },
      short: options.short,
      rounds: options.rounds,
      workers: options.workers,
      workloads,
      afterRun,
      ...(afterKeys ? { afterKeys } : {}),
      restart: { keys: Math.max(afterKeys?.keys ?? 0, countPutKeys(plan.workloads)), servingMs },
      ...(profile ? { profile } : {}),
    };
    if (options.chartPath) writeChart(options.chartPath, report, plan.chartClients);
    return report;
  } finally {
    await Promise.all(started.map((c) => c.stop()));
    rmSync(root, { recursive: true, force: true });
  }
}

/** Distinct keys the put workloads wrote at most (sequential keys within their key space). */
function countPutKeys(workloads: PlannedWorkload[]): number {
  const puts = workloads.filter((w) => w.spec.workload === 'put');
  return Math.max(0, ...puts.map((w) => Math.min(w.spec.total ?? 0, w.spec.keySpaceSize ?? 1)));
}
