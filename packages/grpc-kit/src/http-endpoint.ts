import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;

/** A small HTTP listener for /metrics (Prometheus text) and /health, plus any extra routes. */
export interface HttpEndpoint {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpEndpoint(options: {
  host: string;
  port: number;
  registry?: Registry;
  /** Answers /health: {"health":"true"} with 200 when healthy, 503 otherwise (etcd's shape). */
  health?: () => boolean | Promise<boolean>;
  routes?: Record<string, HttpRoute>;
}): Promise<HttpEndpoint> {
  const routes: Record<string, HttpRoute> = { ...options.routes };
  const registry = options.registry;
  if (registry) {
    routes['/metrics'] = async (_req, res) => {
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(await registry.metrics());
    };
  }
  const health = options.health;
  if (health) {
    routes['/health'] = async (_req, res) => {
      const ok = await health();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ health: String(ok) }));
    };
  }
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end('not found\n');
      return;
    }
    Promise.resolve(route(req, res)).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
