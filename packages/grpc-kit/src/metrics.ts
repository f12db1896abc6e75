import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Per-method request metrics of one gRPC server, in a registry the caller can extend. */
export interface GrpcMetrics {
  readonly registry: Registry;
  readonly started: Counter<'method'>;
  readonly handled: Counter<'method' | 'code'>;
  readonly handlingSeconds: Histogram<'method'>;
}

export function createMetrics(options: { registry?: Registry; processMetrics?: boolean } = {}): GrpcMetrics {
  const registry = options.registry ?? new Registry();
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  return {
    registry,
    started: new Counter({
      name: 'grpc_server_started_total',
      help: 'RPCs started on the server, by method',
      labelNames: ['method'],
      registers: [registry],
    }),
    handled: new Counter({
      name: 'grpc_server_handled_total',
      help: 'RPCs completed on the server, by method and status code',
      labelNames: ['method', 'code'],
      registers: [registry],
    }),
    handlingSeconds: new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time to complete a unary RPC, by method',
      labelNames: ['method'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
  };
}
