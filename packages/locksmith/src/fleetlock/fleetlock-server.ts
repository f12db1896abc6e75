import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DomainError, type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import type { SemaphoreClient } from '../client/semaphore-client.js';
import { LocksmithError } from '../errors.js';
import { DEFAULT_GROUP } from '../semaphore/keys.js';
import {
  FLEETLOCK_HEADER,
  type FleetLockError,
  type FleetLockRequest,
  parseFleetLockRequest,
} from './fleetlock-protocol.js';

export interface FleetLockOptions {
  client: SemaphoreClient;
  log?: Logger;
  /**
   * The FleetLock group that means locksmith's default semaphore, so Zincati nodes (group
   * "default") and locksmithd nodes share one. Other groups map to locksmith groups of the same name.
   */
  defaultGroupName?: string;
  /** Request bodies above this are refused with 413. Default 16 KiB. */
  bodyBytesMax?: number;
}

export interface FleetLockServer {
  readonly port: number;
  close(): Promise<void>;
}

const BODY_BYTES_MAX_DEFAULT = 16 * 1024;

/** A request handler for the two FleetLock endpoints, over a SemaphoreClient. */
export function createFleetLockHandler(options: FleetLockOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const log = options.log ?? silentLogger;
  const defaultGroupName = options.defaultGroupName ?? 'default';
  const bodyBytesMax = options.bodyBytesMax ?? BODY_BYTES_MAX_DEFAULT;
  const groupOf = (group: string) => (group === defaultGroupName ? DEFAULT_GROUP : group);

  async function perform(request: FleetLockRequest): Promise<FleetLockError | undefined> {
    const group = groupOf(request.group);
    try {
      if (request.operation === 'recursive-lock') await options.client.lock(request.id, group);
      else await options.client.unlockIfHeld(request.id, group);
      return undefined;
    } catch (err) {
      return errorOf(err, request, log);
    }
  }

  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    readBody(req, bodyBytesMax).then(
      async (body) => {
        if (body === undefined) {
          return reply(res, 413, { status: 413, kind: 'body_too_large', value: `body exceeds ${bodyBytesMax} bytes` });
        }
        const parsed = parseFleetLockRequest(req.method ?? '', path, headerOf(req), body);
        if (!parsed.ok) return reply(res, parsed.error.status, parsed.error);
        const error = await perform(parsed.request);
        if (error) return reply(res, error.status, error);
        log.debug({ ...parsed.request }, 'fleetlock request served');
        return reply(res, 200, undefined);
      },
      (err: unknown) => {
        log.warn({ err: String(err) }, 'fleetlock request body failed');
        res.destroy();
      },
    );
  };
}

/** Serves FleetLock on node:http; port 0 picks a free port. */
export async function startFleetLockServer(
  options: FleetLockOptions & { host: string; port: number },
): Promise<FleetLockServer> {
  const server: Server = createServer(createFleetLockHandler(options));
  server.requestTimeout = 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  (options.log ?? silentLogger).info({ host: options.host, port }, 'fleetlock server listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headerOf(req: IncomingMessage): string | undefined {
  const value = req.headers[FLEETLOCK_HEADER];
  return Array.isArray(value) ? value[0] : value;
}

/** The body as text, or undefined when it is longer than `bytesMax`. */
function readBody(req: IncomingMessage, bytesMax: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > bytesMax) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, error: FleetLockError | undefined): void {
  const body = error ? JSON.stringify({ kind: error.kind, value: error.value }) : '{}';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** The one table from semaphore errors to FleetLock errors. */
function errorOf(err: unknown, request: FleetLockRequest, log: Logger): FleetLockError {
  const failed = request.operation === 'recursive-lock' ? 'failed_lock' : 'failed_unlock';
  if (err instanceof LocksmithError) {
    switch (err.code) {
      case 'semaphore-full':
        return {
          status: 409,
          kind: 'failed_lock_semaphore_full',
          value: `all reboot slots are taken (${err.message})`,
        };
      case 'contention':
        return { status: 503, kind: 'failed_lock_contention', value: err.message };
      case 'corrupt-semaphore':
        return { status: 500, kind: 'failed_semaphore_corrupt', value: err.message };
      case 'invalid-argument':
        return { status: 400, kind: 'invalid_client_identity', value: err.message };
      case 'store-unavailable':
        return { status: 503, kind: failed, value: `the semaphore store is unavailable: ${err.message}` };
      case 'not-holder':
        return { status: 500, kind: failed, value: err.message };
    }
  }
  if (err instanceof DomainError && (err.kind === 'unavailable' || err.kind === 'deadline-exceeded')) {
    log.warn({ ...request, err: err.message }, 'fleetlock request failed: store unavailable');
    return { status: 503, kind: failed, value: `the semaphore store is unavailable: ${err.message}` };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  log.error({ ...request, err: { message: e.message, stack: e.stack } }, 'fleetlock request failed');
  return { status: 500, kind: failed, value: 'internal error' };
}
