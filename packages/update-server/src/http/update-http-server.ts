// The public HTTP side of update-server: the Omaha endpoint (POST /v1/update/) and payload
// downloads with Range support (GET/HEAD /v1/packages/<file>).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Logger } from '@coreos-ts/grpc-kit';
import type { OmahaHandler } from '../omaha/omaha-handler.js';
import { parseRange } from './range.js';

export const OMAHA_PATHS = new Set(['/v1/update', '/v1/update/']);
export const PACKAGES_PATH = '/v1/packages/';
export const MAX_REQUEST_BYTES = 1 << 20;
/** Time to receive a whole request (payload downloads are responses: not limited by this). */
export const REQUEST_TIMEOUT_MS = 60_000;
export const MAX_CONNECTIONS = 10_000;

export interface UpdateHttpServerOptions {
  readonly omaha: OmahaHandler;
  readonly payloadDir: string;
  readonly logger: Logger;
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function createUpdateHttpServer(options: UpdateHttpServerOptions): Server {
  const { logger } = options;
  const server = createServer((req, res) => {
    handle(req, res, options).catch((err: unknown) => {
      logger.error({ err, url: req.url }, 'http request failed');
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      } else {
        res.destroy();
      }
    });
  });
  // bounded: slow clients and connection floods get cut off
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = Math.min(server.headersTimeout, REQUEST_TIMEOUT_MS);
  server.maxConnections = MAX_CONNECTIONS;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, options: UpdateHttpServerOptions): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (OMAHA_PATHS.has(path)) {
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let xml: string;
    try {
      xml = await readBody(req, MAX_REQUEST_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        res.writeHead(413, { 'content-type': 'text/plain' }).end(`request larger than ${MAX_REQUEST_BYTES} bytes\n`);
        return;
      }
      throw err;
    }
    const answer = await options.omaha.handle(xml);
    if (answer.status !== 200)
      options.logger.warn({ status: answer.status, reason: answer.body.trim() }, 'omaha request rejected');
    res.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body);
    return;
  }
  if (path.startsWith(PACKAGES_PATH) && (req.method === 'GET' || req.method === 'HEAD')) {
    await servePayload(req, res, options.payloadDir, decodeURIComponent(path.slice(PACKAGES_PATH.length)));
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
}

async function servePayload(req: IncomingMessage, res: ServerResponse, dir: string, name: string): Promise<void> {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.')) {
    res.writeHead(404).end();
    return;
  }
  const file = join(dir, name);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch {
    res.writeHead(404).end();
    return;
  }
  const range = parseRange(req.headers.range, size);
  if (range.kind === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return;
  }
  const [start, end] = range.kind === 'partial' ? [range.start, range.end] : [0, size - 1];
  const headers: Record<string, string | number> = {
    'accept-ranges': 'bytes',
    'content-type': 'application/octet-stream',
    'content-length': Math.max(0, end - start + 1),
  };
  if (range.kind === 'partial') headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range.kind === 'partial' ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return;
  }
  await pipeline(createReadStream(file, { start, end }), res);
}

/** Listens on host:port ("127.0.0.1:0" picks a port); resolves to the bound address. */
export async function listenHttp(server: Server, address: string): Promise<AddressInfo> {
  const { host, port } = splitHostPort(address);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const stripped = address.replace(/^[a-z]+:\/\//, '');
  const i = stripped.lastIndexOf(':');
  if (i < 0) throw new Error(`address ${JSON.stringify(address)} must be host:port`);
  const host = stripped.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
  const port = Number(stripped.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`address ${JSON.stringify(address)} has a bad port`);
  return { host, port };
}
