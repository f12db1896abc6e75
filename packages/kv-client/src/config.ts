import type { Logger } from '@coreos-ts/grpc-kit';
import { silentLogger } from '@coreos-ts/grpc-kit';
import { InvalidArgumentError } from './errors.js';

export interface ClientTls {
  /** CA bundle (PEM) to verify the servers with; the system roots when absent. */
  caFile?: string;
  /** Client certificate and key (PEM) for mutual TLS; give both or neither. */
  certFile?: string;
  keyFile?: string;
}

export interface ClientAuth {
  user: string;
  password: string;
}

/** Everything a KvClient needs, validated once by validateClientConfig. */
export interface ClientConfig {
  /** e.g. ['http://127.0.0.1:2379']; `https://` endpoints (or a `tls` block) use TLS. */
  endpoints: string[];
  tls: ClientTls | undefined;
  auth: ClientAuth | undefined;
  /** How long to wait for a connection to one endpoint before trying the next. */
  dialTimeoutMs: number;
  /** Default deadline of every call, retries included. */
  callTimeoutMs: number;
  /** Calls in flight at once; one more fails with TooManyPendingCallsError. */
  pendingCallsMax: number;
  /** Back-off between retries of a retry-safe call: doubles from initial up to max. */
  retryBackoffInitialMs: number;
  retryBackoffMaxMs: number;
  /** After an endpoint fails, prefer the others for this long. */
  endpointQuarantineMs: number;
  /** Batches a watch buffers for a slow consumer before it pauses the server-side watcher. */
  watchBufferBatchesMax: number;
  /** Watches open at once on one client; one more fails with TooManyPendingCallsError. */
  watchesMax: number;
  /** A watch that cannot re-establish itself on any endpoint for this long fails with UnavailableError. */
  watchReconnectTimeoutMs: number;
  /** Upper bound on a gRPC message the client accepts (snapshot chunks, big ranges). */
  receiveMessageBytesMax: number;
  logger: Logger;
}

export type ClientOptions = Partial<ClientConfig> & { endpoints: string[] };

export function defaultClientConfig(): Omit<ClientConfig, 'endpoints'> {
  return {
    tls: undefined,
    auth: undefined,
    dialTimeoutMs: 2_000,
    callTimeoutMs: 5_000,
    pendingCallsMax: 1_000,
    retryBackoffInitialMs: 25,
    retryBackoffMaxMs: 500,
    endpointQuarantineMs: 1_000,
    watchBufferBatchesMax: 1_000,
    watchesMax: 10_000,
    watchReconnectTimeoutMs: 30_000,
    receiveMessageBytesMax: 64 * 1024 * 1024,
    logger: silentLogger,
  };
}

function positive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidArgumentError(`${name} (${value}) must be a positive number`);
}

/** Fills defaults and checks every field and relationship; the message names what is wrong. */
export function validateClientConfig(options: ClientOptions): ClientConfig {
  const config: ClientConfig = { ...defaultClientConfig(), ...stripUndefined(options) } as ClientConfig;
  if (!Array.isArray(config.endpoints) || config.endpoints.length === 0) {
    throw new InvalidArgumentError('endpoints must list at least one endpoint');
  }
  for (const endpoint of config.endpoints) parseEndpoint(endpoint);
  positive('dialTimeoutMs', config.dialTimeoutMs);
  positive('callTimeoutMs', config.callTimeoutMs);
  positive('pendingCallsMax', config.pendingCallsMax);
  positive('retryBackoffInitialMs', config.retryBackoffInitialMs);
  positive('retryBackoffMaxMs', config.retryBackoffMaxMs);
  positive('endpointQuarantineMs', config.endpointQuarantineMs);
  positive('watchBufferBatchesMax', config.watchBufferBatchesMax);
  positive('watchReconnectTimeoutMs', config.watchReconnectTimeoutMs);
  positive('watchesMax', config.watchesMax);
  positive('receiveMessageBytesMax', config.receiveMessageBytesMax);
  if (config.retryBackoffMaxMs < config.retryBackoffInitialMs) {
    throw new InvalidArgumentError(
      `retryBackoffMaxMs (${config.retryBackoffMaxMs}) must be at least retryBackoffInitialMs (${config.retryBackoffInitialMs})`,
    );
  }
  if (config.tls && (config.tls.certFile === undefined) !== (config.tls.keyFile === undefined)) {
    throw new InvalidArgumentError('tls.certFile and tls.keyFile must be given together');
  }
  if (config.auth && config.auth.user.length === 0) throw new InvalidArgumentError('auth.user must not be empty');
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface ParsedEndpoint {
  /** host:port for grpc-js */
  target: string;
  secure: boolean;
}

/** Accepts `http://h:p`, `https://h:p`, or bare `h:p` (plain text unless TLS is configured). */
export function parseEndpoint(endpoint: string): ParsedEndpoint {
  const match = /^(?:(https?|unixs?):\/\/)?([^/]+?)\/?$/.exec(endpoint.trim());
  if (!match?.[2]) throw new InvalidArgumentError(`endpoint "${endpoint}" is not host:port or a URL`);
  const scheme = match[1];
  if (scheme === 'unix' || scheme === 'unixs')
    throw new InvalidArgumentError(`endpoint "${endpoint}": unix sockets are not supported`);
  return { target: match[2], secure: scheme === 'https' };
}
