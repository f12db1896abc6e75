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
import { listenAcceptingUrlAuthority } from './url-authority.js';

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
  /**
   * Accept Go clients that send a URL as the HTTP/2 authority (etcdctl with http:// endpoints);
   * plaintext listeners only (see url-authority.ts).
   */
  acceptUrlAuthority?: boolean;
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
  let closeListener: (() => Promise<void>) | undefined;
  let port: number;
  if (options.acceptUrlAuthority && !options.credentials._isSecure()) {
    const at = options.address.lastIndexOf(':');
    const listener = await listenAcceptingUrlAuthority(
      server,
      options.credentials,
      options.address.slice(0, at).replace(/^\[|\]$/g, ''),
      Number(options.address.slice(at + 1)),
    );
    port = listener.port;
    closeListener = listener.close;
  } else {
    port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(options.address, options.credentials, (err, boundPort) =>
        err ? reject(err) : resolve(boundPort),
      );
    });
  }
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
          (closeListener?.() ?? Promise.resolve()).then(() => resolve());
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
