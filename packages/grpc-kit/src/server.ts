import {
  type ChannelOptions,
  Server,
  type ServerCredentials,
  type ServiceDefinition,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { createHealthService, type HealthRegistry } from './health.js';
import { instrumentService } from './instrument.js';
import type { Logger } from './logger.js';
import type { GrpcMetrics } from './metrics.js';

/** One service to serve: its generated definition and an implementation of it. */
export interface ServiceBinding {
  /** The fully-qualified service name for the health service, e.g. "etcdserverpb.KV". */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface ServerOptions {
  /** host:port; port 0 picks a free one. */
  address: string;
  credentials: ServerCredentials;
  services: ServiceBinding[];
  log: Logger;
  metrics?: GrpcMetrics;
  channelOptions?: ChannelOptions;
}

export interface RunningServer {
  readonly port: number;
  readonly health: HealthRegistry;
  /**
   * Graceful stop: health says NOT_SERVING, new calls are refused, open streams are ended with
   * UNAVAILABLE, unary calls get `graceMs` to finish; whatever is left is then cancelled.
   */
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const server = new Server(options.channelOptions ?? {});
  const health = createHealthService();
  const openStreams = new Set<{ end(): void; emit(event: 'error', err: unknown): boolean }>();
  server.addService(health.definition, health.implementation);
  for (const service of options.services) {
    const implementation = instrumentService(service, {
      log: options.log,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      openStreams,
    });
    server.addService(service.definition, implementation);
    health.registry.set(service.name, 'SERVING');
  }
  health.registry.set('', 'SERVING');
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(options.address, options.credentials, (err, boundPort) =>
      err ? reject(err) : resolve(boundPort),
    );
  });
  options.log.info({ address: options.address, port }, 'grpc server listening');
  let stopped: Promise<void> | undefined;
  return {
    port,
    health: health.registry,
    stop(graceMs = 2000) {
      stopped ??= new Promise<void>((resolve) => {
        health.registry.shutdown();
        const timer = setTimeout(() => server.forceShutdown(), graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
        for (const stream of openStreams) {
          stream.emit('error', { code: status.UNAVAILABLE, details: 'server is shutting down' });
        }
        openStreams.clear();
      });
      return stopped;
    },
  };
}
