import { type Client, Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ClientConfig } from './config.js';
import type { Endpoint } from './endpoint.js';
import type { EndpointPool } from './endpoint-pool.js';
import { isRetryableOnAnotherEndpoint, toKvError } from './error-table.js';
import {
  CancelledError,
  ClientClosedError,
  DeadlineExceededError,
  InvalidAuthTokenError,
  type KvError,
  TooManyPendingCallsError,
  UnavailableError,
} from './errors.js';

/** The part of a generated service method the client needs (ts-proto's service objects fit). */
export interface MethodDefinition<Req, Res> {
  path: string;
  requestSerialize: (value: Req) => Buffer;
  responseDeserialize: (value: Buffer) => Res;
}

/** Per-call knobs every public call accepts. */
export interface CallOptions {
  /** Deadline of this call, retries included; the client's callTimeoutMs when absent. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunPolicy extends CallOptions {
  /** Changes state: never retried once sent; transport loss after sending is UnknownOutcomeError. */
  mutating: boolean;
  /** Only this endpoint (maintenance calls aimed at one member): no failover. */
  endpoint?: Endpoint;
  /** Send without the auth token (the Authenticate call itself). */
  anonymous?: boolean;
}

export interface Attempt {
  endpoint: Endpoint;
  metadata: Metadata;
  deadline: Date;
  signal: AbortSignal | undefined;
}

/** Supplies the auth token; refreshes it when the server says it is invalid. */
export interface TokenSource {
  token(): Promise<string | undefined>;
  invalidate(stale: string): void;
}

const noToken: TokenSource = { token: async () => undefined, invalidate: () => {} };

/**
 * Runs calls against the endpoint pool: one connect + send per attempt, failover and capped
 * back-off for retry-safe calls within the deadline, the pending-call bound, the auth token.
 */
export class CallRunner {
  private pending = 0;
  private closed = false;
  tokens: TokenSource = noToken;

  constructor(
    private readonly config: ClientConfig,
    readonly pool: EndpointPool,
  ) {}

  close(): void {
    this.closed = true;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** A unary RPC with the client's retry policy. */
  unary<Req, Res>(method: MethodDefinition<Req, Res>, request: Req, policy: RunPolicy): Promise<Res> {
    return this.run(policy, (attempt) => unaryOnce(attempt.endpoint.client, method, request, attempt));
  }

  /** Runs `attempt` with failover; `attempt` rejects with raw gRPC errors, mapped here. */
  async run<T>(policy: RunPolicy, attempt: (attempt: Attempt) => Promise<T>): Promise<T> {
    if (this.closed) throw new ClientClosedError();
    if (this.pending >= this.config.pendingCallsMax) {
      throw new TooManyPendingCallsError(
        `too many pending calls: ${this.pending} in flight (pendingCallsMax ${this.config.pendingCallsMax})`,
      );
    }
    this.pending++;
    try {
      return await this.attempts(policy, attempt);
    } finally {
      this.pending--;
    }
  }

  private async attempts<T>(policy: RunPolicy, attempt: (attempt: Attempt) => Promise<T>): Promise<T> {
    const timeoutMs = policy.timeoutMs ?? this.config.callTimeoutMs;
    const deadlineMs = Date.now() + timeoutMs;
    const tried = new Set<Endpoint>();
    let backoffMs = this.config.retryBackoffInitialMs;
    let lastError: KvError | undefined;
    let tokenRefreshed = false;
    for (;;) {
      if (policy.signal?.aborted) throw new CancelledError();
      if (this.closed) throw new ClientClosedError();
      const remainingMs = deadlineMs - Date.now();
      if (remainingMs <= 0) throw exhausted(lastError, timeoutMs);
      const endpoint = policy.endpoint ?? this.pool.pick(tried);
      if (!endpoint) {
        // every endpoint failed once: wait, then go round again
        await pause(Math.min(backoffMs, remainingMs), policy.signal);
        backoffMs = Math.min(backoffMs * 2, this.config.retryBackoffMaxMs);
        tried.clear();
        continue;
      }
      tried.add(endpoint);
      try {
        await endpoint.connect(Math.min(this.config.dialTimeoutMs, remainingMs));
      } catch (err) {
        // nothing was sent: safe to try elsewhere, writes included
        lastError = err as KvError;
        this.pool.markFailed(endpoint);
        this.config.logger.debug({ endpoint: endpoint.url, error: lastError.message }, 'endpoint unreachable');
        if (policy.endpoint) await pause(Math.min(backoffMs, Math.max(0, deadlineMs - Date.now())), policy.signal);
        continue;
      }
      const metadata = new Metadata();
      const token = policy.anonymous ? undefined : await this.tokens.token();
      if (token !== undefined) metadata.set('token', token);
      // a retry-safe call leaves itself time for another endpoint: a member that hangs
      // (stopped, partitioned) costs at most half of what is left
      const failover = !policy.mutating && !policy.endpoint && this.pool.endpoints.length > 1;
      const attemptDeadlineMs = failover ? Date.now() + Math.max((deadlineMs - Date.now()) / 2, 1) : deadlineMs;
      try {
        const result = await attempt({
          endpoint,
          metadata,
          deadline: new Date(attemptDeadlineMs),
          signal: policy.signal,
        });
        this.pool.markHealthy(endpoint);
        return result;
      } catch (err) {
        const error = toKvError(err, { endpoint: endpoint.url, mutating: policy.mutating, sent: true });
        if (error instanceof InvalidAuthTokenError && token !== undefined && !tokenRefreshed) {
          // the server refused the request before applying it: refresh once and resend
          tokenRefreshed = true;
          this.tokens.invalidate(token);
          tried.delete(endpoint);
          continue;
        }
        const attemptTimedOut = error instanceof DeadlineExceededError && attemptDeadlineMs < deadlineMs;
        if (policy.mutating || policy.endpoint || !(isRetryableOnAnotherEndpoint(error) || attemptTimedOut))
          throw error;
        lastError = error;
        this.pool.markFailed(endpoint);
        this.config.logger.info({ endpoint: endpoint.url, error: error.message }, 'call failing over');
        await pause(Math.min(backoffMs, Math.max(0, deadlineMs - Date.now())), policy.signal);
        backoffMs = Math.min(backoffMs * 2, this.config.retryBackoffMaxMs);
      }
    }
  }
}

function exhausted(lastError: KvError | undefined, timeoutMs: number): KvError {
  if (lastError instanceof UnavailableError) {
    return new UnavailableError(`no endpoint answered within ${timeoutMs} ms: ${lastError.message}`, {
      cause: lastError,
    });
  }
  if (lastError) return lastError;
  return new DeadlineExceededError(`deadline of ${timeoutMs} ms exceeded`);
}

function unaryOnce<Req, Res>(
  client: Client,
  method: MethodDefinition<Req, Res>,
  request: Req,
  attempt: Attempt,
): Promise<Res> {
  return new Promise<Res>((resolve, reject) => {
    const call = client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      attempt.metadata,
      { deadline: attempt.deadline },
      (err: ServiceError | null, response?: Res) => {
        attempt.signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(response as Res);
      },
    );
    const onAbort = (): void => call.cancel();
    attempt.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Back-off wait between retries; ends early (rejecting) when the call is aborted. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
