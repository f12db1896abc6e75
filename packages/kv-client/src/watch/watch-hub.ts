import type { Logger } from '@coreos-ts/grpc-kit';
import { Metadata } from '@grpc/grpc-js';
import { type Bytes, rangeEndFor, toBigInt, toBuffer } from '../bytes.js';
import { type CallRunner, pause } from '../call-runner.js';
import type { ClientConfig } from '../config.js';
import type { Endpoint } from '../endpoint.js';
import { isRetryableOnAnotherEndpoint } from '../error-table.js';
import {
  AuthFailedError,
  ClientClosedError,
  InvalidAuthTokenError,
  type KvError,
  PermissionDeniedError,
  TooManyPendingCallsError,
  UnavailableError,
} from '../errors.js';
import { WatchStream } from './watch-stream.js';
import type { WatchOptions } from './watch-types.js';
import { Watcher, type WatcherHost } from './watcher.js';

/**
 * All of a client's watches: one multiplexed stream per endpoint, and the re-homing of watchers
 * when a stream breaks (another endpoint, from each watcher's next revision, with back-off,
 * giving up after watchReconnectTimeoutMs).
 */
export class WatchHub implements WatcherHost {
  private readonly streams = new Map<Endpoint, WatchStream>();
  private readonly homeOf = new Map<Watcher, WatchStream>();
  private readonly watchers = new Set<Watcher>();
  private closed = false;

  constructor(
    private readonly config: ClientConfig,
    private readonly runner: CallRunner,
    private readonly log: Logger,
  ) {}

  watch(key: Bytes, options: WatchOptions = {}): Watcher {
    if (this.closed) throw new ClientClosedError();
    if (this.watchers.size >= this.config.watchesMax) {
      throw new TooManyPendingCallsError(
        `too many watches: ${this.watchers.size} open (watchesMax ${this.config.watchesMax})`,
      );
    }
    const keyBuffer = toBuffer(key);
    const watcher = new Watcher(
      {
        key: keyBuffer,
        rangeEnd: rangeEndFor(keyBuffer, options),
        startRevision: toBigInt(options.startRevision),
        prevKv: options.prevKv ?? false,
        filters: options.filters ?? [],
        progressNotify: options.progressNotify ?? false,
      },
      this,
      this.config.watchBufferBatchesMax,
    );
    this.watchers.add(watcher);
    const { signal } = options;
    if (signal) {
      if (signal.aborted) watcher.cancel();
      else signal.addEventListener('abort', () => watcher.cancel(), { once: true });
    }
    if (!watcher.closed) this.attach(watcher);
    return watcher;
  }

  attach(watcher: Watcher): void {
    void this.home(watcher);
  }

  detach(watcher: Watcher): void {
    const stream = this.homeOf.get(watcher);
    this.homeOf.delete(watcher);
    watcher.endpoint = undefined;
    stream?.remove(watcher);
    if (watcher.closed) this.watchers.delete(watcher);
  }

  close(): void {
    this.closed = true;
    for (const watcher of [...this.watchers]) watcher.cancel();
    for (const stream of this.streams.values()) stream.close();
    this.streams.clear();
  }

  /** Finds a working endpoint and puts the watcher on its stream. */
  private async home(watcher: Watcher): Promise<void> {
    const deadlineMs = Date.now() + this.config.watchReconnectTimeoutMs;
    const tried = new Set<Endpoint>();
    let backoffMs = this.config.retryBackoffInitialMs;
    let lastError: unknown;
    while (!watcher.closed && !watcher.paused && !this.closed) {
      const remainingMs = deadlineMs - Date.now();
      if (remainingMs <= 0) {
        const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
        watcher.fail(
          new UnavailableError(
            `watch could not be re-established within ${this.config.watchReconnectTimeoutMs} ms${reason}`,
          ),
        );
        return;
      }
      const endpoint = this.runner.pool.pick(tried);
      if (!endpoint) {
        await pause(Math.min(backoffMs, remainingMs));
        backoffMs = Math.min(backoffMs * 2, this.config.retryBackoffMaxMs);
        tried.clear();
        continue;
      }
      tried.add(endpoint);
      try {
        const stream = await this.streamFor(endpoint, remainingMs);
        if (watcher.closed || watcher.paused || this.closed) return;
        if (stream.isBroken) {
          // closed while we awaited it (its last watcher left): open a fresh one
          tried.delete(endpoint);
          continue;
        }
        this.homeOf.set(watcher, stream);
        watcher.endpoint = endpoint.url;
        stream.add(watcher);
        return;
      } catch (err) {
        lastError = err;
        this.runner.pool.markFailed(endpoint);
      }
    }
  }

  private async streamFor(endpoint: Endpoint, remainingMs: number): Promise<WatchStream> {
    const existing = this.streams.get(endpoint);
    if (existing && !existing.isBroken) return existing;
    await endpoint.connect(Math.min(this.config.dialTimeoutMs, remainingMs));
    const again = this.streams.get(endpoint);
    if (again && !again.isBroken) return again;
    const metadata = new Metadata();
    const token = await this.runner.tokens.token();
    if (token !== undefined) metadata.set('token', token);
    const stream = new WatchStream(
      endpoint,
      metadata,
      {
        onBroken: (broken, orphans, error) => this.onBroken(broken, orphans, error),
        onIdle: (idle) => {
          if (this.streams.get(idle.endpoint) === idle) this.streams.delete(idle.endpoint);
          idle.close();
        },
      },
      this.log,
      this.config.callTimeoutMs,
    );
    stream.token = token;
    this.streams.set(endpoint, stream);
    return stream;
  }

  private onBroken(stream: WatchStream, orphans: Watcher[], error: KvError): void {
    if (this.streams.get(stream.endpoint) === stream && stream.isBroken) this.streams.delete(stream.endpoint);
    if (this.closed) return;
    this.log.info(
      { endpoint: stream.endpoint.url, watchers: orphans.length, error: error.message },
      'watch stream lost',
    );
    if (isRetryableOnAnotherEndpoint(error)) this.runner.pool.markFailed(stream.endpoint);
    if (error instanceof InvalidAuthTokenError && stream.token !== undefined)
      this.runner.tokens.invalidate(stream.token);
    const fatal = error instanceof PermissionDeniedError || error instanceof AuthFailedError;
    for (const watcher of orphans) {
      if (fatal) {
        watcher.fail(error);
        continue;
      }
      if (this.homeOf.get(watcher) === stream) this.homeOf.delete(watcher);
      watcher.endpoint = undefined;
      if (watcher.closed || watcher.paused) continue;
      this.attach(watcher);
    }
  }
}
