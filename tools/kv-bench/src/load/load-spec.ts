/** What one load run does: the workloads and flags of etcd's `benchmark` tool. */
export const WORKLOADS = ['put', 'range', 'txn-put', 'watch-latency', 'lease-keepalive'] as const;
export type Workload = (typeof WORKLOADS)[number];

export interface LoadSpec {
  workload: Workload;
  /** Client URLs (http://host:port); connections are spread over them round-robin. */
  endpoints: string[];
  /** gRPC connections (TCP) in total, over all worker processes. */
  conns: number;
  /** Concurrent clients in total, each with one request in flight, sharing the connections. */
  clients: number;
  /** Requests in total (for watch-latency: puts). */
  total: number;
  keySize: number;
  valSize: number;
  keySpaceSize: number;
  sequentialKeys: boolean;
  /** range: l (linearizable) or s (serializable). */
  consistency: 'l' | 's';
  /** range: the key read. */
  rangeKey: string;
  /** watch-latency: watchers of the one key written, spread over the connections. */
  watchers: number;
  /** watch-latency: puts per second (0: as fast as one client can). */
  putRate: number;
  /** Processes generating load: 1 runs in this process, more fork the built worker. */
  workers: number;
  /** Seed of the key choice (random keys); each client derives its own. */
  seed: number;
}

export function defaultLoadSpec(): LoadSpec {
  return {
    workload: 'put',
    endpoints: ['http://127.0.0.1:2379'],
    conns: 1,
    clients: 1,
    total: 10_000,
    keySize: 8,
    valSize: 8,
    keySpaceSize: 1,
    sequentialKeys: false,
    consistency: 'l',
    rangeKey: 'foo',
    watchers: 100,
    putRate: 100,
    workers: 1,
    seed: 1,
  };
}

const LIMITS = { clients: 100_000, conns: 10_000, workers: 64, keySize: 1 << 20, valSize: 1 << 24 };

/** Checks a spec once, naming the field and the broken relationship. */
export function validateLoadSpec(spec: LoadSpec): LoadSpec {
  const fail = (message: string): never => {
    throw new Error(`invalid load: ${message}`);
  };
  if (!WORKLOADS.includes(spec.workload)) fail(`workload ${spec.workload} is not one of ${WORKLOADS.join(', ')}`);
  if (spec.endpoints.length === 0) fail('endpoints must name at least one client URL');
  for (const [name, max] of Object.entries(LIMITS)) {
    const value = spec[name as keyof typeof LIMITS];
    if (!Number.isInteger(value) || value < 1 || value > max)
      fail(`${name} (${value}) must be an integer in 1..${max}`);
  }
  if (!Number.isInteger(spec.total) || spec.total < 1) fail(`total (${spec.total}) must be a positive integer`);
  if (spec.conns > spec.clients && spec.workload !== 'watch-latency')
    fail(`conns (${spec.conns}) must not exceed clients (${spec.clients})`);
  if (spec.workers > spec.clients) fail(`workers (${spec.workers}) must not exceed clients (${spec.clients})`);
  if (spec.workers > spec.conns) fail(`workers (${spec.workers}) must not exceed conns (${spec.conns})`);
  if (spec.keySpaceSize < 1) fail(`key-space-size (${spec.keySpaceSize}) must be at least 1`);
  if (spec.keySpaceSize > 256 ** Math.min(spec.keySize, 6))
    fail(`key-space-size (${spec.keySpaceSize}) does not fit in key-size (${spec.keySize}) bytes`);
  if (spec.watchers < 1) fail(`watchers (${spec.watchers}) must be at least 1`);
  if (spec.putRate < 0) fail(`put-rate (${spec.putRate}) must not be negative`);
  if (spec.workload === 'watch-latency' && spec.workers !== 1) fail('watch-latency runs in one process (workers 1)');
  return spec;
}

/** Splits a spec over `workers` processes: clients, conns and total divided as evenly as possible. */
export function splitLoadSpec(spec: LoadSpec): LoadSpec[] {
  const share = (n: number, i: number) => Math.floor(n / spec.workers) + (i < n % spec.workers ? 1 : 0);
  return Array.from({ length: spec.workers }, (_, i) => ({
    ...spec,
    clients: share(spec.clients, i),
    conns: share(spec.conns, i),
    total: share(spec.total, i),
    workers: 1,
    seed: spec.seed * 1_000 + i,
  }));
}
