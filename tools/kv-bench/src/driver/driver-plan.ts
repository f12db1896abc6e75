import type { LoadSpec } from '../load/load-spec.js';

/** One row of the comparison: a load both servers get, with the same spec. */
export interface PlannedWorkload {
  id: string;
  title: string;
  spec: Partial<LoadSpec>;
}

export interface DriverPlan {
  workloads: PlannedWorkload[];
  /** Client counts of the throughput chart (put, 256-byte values); their ids are `put-<n>c`. */
  chartClients: number[];
  /** Keys of 256 bytes written before the RSS / data-dir / restart measurement (0: skip). */
  rssKeys: number;
}

export const RANGE_KEY = 'kv-bench/range';

/** Requests per workload: a short run only checks that everything works. */
function totals(short: boolean) {
  return short
    ? { put1: 50, put: 300, range: 600, watchPuts: 20, sweep: 150 }
    : { put1: 2_000, put: 20_000, range: 20_000, watchPuts: 500, sweep: 8_000 };
}

const PUT = { workload: 'put', keySize: 8, valSize: 256, keySpaceSize: 100_000, sequentialKeys: true } as const;

/** The target table of issue #6, plus the put client counts the chart needs. */
export function driverPlan(options: { short: boolean; rssKeys: number; chartClients: number[] }): DriverPlan {
  const t = totals(options.short);
  const workloads: PlannedWorkload[] = [
    { id: 'put-1c', title: 'put, 1 client, 1 conn', spec: { ...PUT, clients: 1, conns: 1, total: t.put1 } },
    {
      id: 'put-256c',
      title: 'put, 256 clients, 16 conns',
      spec: { ...PUT, clients: 256, conns: 16, total: t.put },
    },
    {
      id: 'range-l-256c',
      title: 'range linearizable, 256 clients',
      spec: { workload: 'range', consistency: 'l', rangeKey: RANGE_KEY, clients: 256, conns: 16, total: t.range },
    },
    {
      id: 'range-s-256c',
      title: 'range serializable, 256 clients',
      spec: { workload: 'range', consistency: 's', rangeKey: RANGE_KEY, clients: 256, conns: 16, total: t.range },
    },
    {
      id: 'watch-100w',
      title: 'watch-latency, 100 watchers',
      spec: { workload: 'watch-latency', watchers: 100, conns: 10, clients: 1, putRate: 100, total: t.watchPuts },
    },
  ];
  const have = new Set(workloads.map((w) => w.id));
  for (const clients of options.chartClients) {
    const id = `put-${clients}c`;
    if (have.has(id)) continue;
    const total = Math.max(clients * 4, Math.round((t.sweep * Math.min(clients, 64)) / 64));
    workloads.push({
      id,
      title: `put, ${clients} clients (chart)`,
      spec: { ...PUT, clients, conns: Math.min(clients, 16), total },
    });
  }
  return { workloads, chartClients: options.chartClients, rssKeys: options.rssKeys };
}
