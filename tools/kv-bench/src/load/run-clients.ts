import { performance } from 'node:perf_hooks';
import { openConnections } from './connections.js';
import { Histogram } from './histogram.js';
import type { WorkerMeasurement } from './load-result.js';
import type { LoadSpec } from './load-spec.js';
import { clientOperation } from './operations.js';
import { prepareWatchLatency } from './watch-latency.js';

/** A load that is connected and set up, waiting to be started. */
export interface PreparedLoad {
  go(): Promise<WorkerMeasurement>;
  close(): void;
}

/**
 * Connects and sets up `spec.clients` clients in this process. `go` runs them until `spec.total`
 * requests have been issued, each client keeping one request in flight; request numbers start at
 * `firstRequest` (so sequential keys of several workers do not overlap).
 */
export async function prepareLoad(spec: LoadSpec, firstRequest = 0): Promise<PreparedLoad> {
  if (spec.workload === 'watch-latency') return prepareWatchLatency(spec);
  const conns = await openConnections(spec.endpoints, spec.conns);
  const close = () => {
    for (const c of conns) c.close();
  };
  let ops: Awaited<ReturnType<typeof clientOperation>>[];
  try {
    ops = await Promise.all(
      Array.from({ length: spec.clients }, (_, i) => clientOperation(spec, conns[i % conns.length]!, i)),
    );
  } catch (err) {
    close();
    throw err;
  }
  return {
    go: async () => {
      const latency = new Histogram();
      let next = 0;
      let requests = 0;
      let errors = 0;
      let firstError: string | undefined;
      const cpuStart = process.cpuUsage();
      const wallStart = performance.now();
      await Promise.all(
        ops.map(async (op) => {
          while (next < spec.total) {
            const n = firstRequest + next++;
            const start = performance.now();
            try {
              await op.run(n);
              latency.record((performance.now() - start) * 1000);
              requests++;
            } catch (err) {
              errors++;
              firstError ??= (err as Error).message;
            }
          }
        }),
      );
      const wallMs = performance.now() - wallStart;
      const cpu = process.cpuUsage(cpuStart);
      for (const op of ops) op.close();
      return {
        requests,
        errors,
        ...(firstError !== undefined ? { firstError } : {}),
        latency: latency.snapshot(),
        cpuMs: (cpu.user + cpu.system) / 1000,
        wallMs,
      };
    },
    close,
  };
}
