import type { Logger } from '@coreos-ts/grpc-kit';
import { etcdserverpb } from '@coreos-ts/proto';
import { type ClientDuplexStream, type Metadata, status } from '@grpc/grpc-js';
import type { Endpoint } from '../endpoint.js';
import { isRetryableOnAnotherEndpoint, toKvError } from '../error-table.js';
import type { KvError } from '../errors.js';
import { toHeader } from '../kv-types.js';
import type { Watcher } from './watcher.js';

const W = etcdserverpb.WatchService.watch;

export interface WatchStreamEvents {
  /** The stream broke; these watchers need a new home. `error` says why. */
  onBroken(stream: WatchStream, orphans: Watcher[], error: KvError): void;
  /** The stream has nothing left to carry. */
  onIdle(stream: WatchStream): void;
}

/**
 * One Watch stream on one connection, multiplexing many watchers. Creates are sent one at a
 * time: each server answer `created` belongs to the oldest outstanding create.
 */
export class WatchStream {
  private readonly call: ClientDuplexStream<etcdserverpb.WatchRequest, etcdserverpb.WatchResponse>;
  private readonly byId = new Map<bigint, Watcher>();
  private readonly idOf = new Map<Watcher, bigint>();
  private readonly createQueue: Watcher[] = [];
  private createInFlight: Watcher | undefined;
  private inFlightAbandoned = false;
  private broken = false;
  /** The auth token the stream was opened with, if any. */
  token: string | undefined;

  private createTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly endpoint: Endpoint,
    metadata: Metadata,
    private readonly events: WatchStreamEvents,
    private readonly log: Logger,
    /** A create the server does not answer within this long means a hung member: the stream is dropped. */
    private readonly createTimeoutMs: number,
  ) {
    // a member that loses its leader cancels the stream, so the watch moves to one that has one
    metadata.set('hasleader', 'true');
    this.call = endpoint.client.makeBidiStreamRequest(W.path, W.requestSerialize, W.responseDeserialize, metadata, {});
    this.call.on('data', (response: etcdserverpb.WatchResponse) => this.onResponse(response));
    this.call.on('error', (err) =>
      this.onBroken(toKvError(err, { endpoint: endpoint.url, mutating: false, sent: true })),
    );
    this.call.on('end', () =>
      this.onBroken(
        toKvError(
          { code: status.UNAVAILABLE, details: 'watch stream ended' },
          { endpoint: endpoint.url, mutating: false, sent: true },
        ),
      ),
    );
  }

  get isBroken(): boolean {
    return this.broken;
  }

  /** Watchers carried or about to be; an abandoned in-flight create does not count. */
  get size(): number {
    const inFlight = this.createInFlight && !this.inFlightAbandoned ? 1 : 0;
    return this.byId.size + this.createQueue.length + inFlight;
  }

  add(watcher: Watcher): void {
    this.createQueue.push(watcher);
    this.sendNextCreate();
  }

  /** Stops carrying `watcher` (cancelled, failed or paused): cancels its server watcher. */
  remove(watcher: Watcher): void {
    const queued = this.createQueue.indexOf(watcher);
    if (queued >= 0) this.createQueue.splice(queued, 1);
    const id = this.idOf.get(watcher);
    if (id !== undefined) {
      this.idOf.delete(watcher);
      this.byId.delete(id);
      if (!this.broken) this.call.write({ cancelRequest: { watchId: id } });
    }
    // an in-flight create is cancelled when its `created` arrives (see onResponse), even if the
    // watcher has been re-attached elsewhere by then
    if (this.createInFlight === watcher) this.inFlightAbandoned = true;
    if (this.size === 0) this.events.onIdle(this);
  }

  close(): void {
    this.broken = true;
    clearTimeout(this.createTimer);
    this.call.cancel();
  }

  private sendNextCreate(): void {
    if (this.broken || this.createInFlight) return;
    const next = this.createQueue.shift();
    if (!next) return;
    this.createInFlight = next;
    this.call.write(next.createRequest());
    this.createTimer = setTimeout(() => {
      const error = toKvError(
        { code: status.UNAVAILABLE, details: `watch create not answered within ${this.createTimeoutMs} ms` },
        { endpoint: this.endpoint.url, mutating: false, sent: true },
      );
      this.onBroken(error);
    }, this.createTimeoutMs);
  }

  private onResponse(response: etcdserverpb.WatchResponse): void {
    const revision = response.header?.revision ?? 0n;
    if (response.created) {
      clearTimeout(this.createTimer);
      const watcher = this.createInFlight;
      const abandoned = this.inFlightAbandoned;
      this.createInFlight = undefined;
      this.inFlightAbandoned = false;
      if (watcher && !abandoned && !watcher.closed && !watcher.paused) {
        this.byId.set(response.watchId, watcher);
        this.idOf.set(watcher, response.watchId);
        watcher.onCreated(revision);
      } else if (!response.canceled) {
        this.call.write({ cancelRequest: { watchId: response.watchId } });
      }
      this.sendNextCreate();
      if (watcher && this.idOf.has(watcher)) this.deliver(watcher, response);
      if (this.size === 0) this.events.onIdle(this);
      return;
    }
    const watcher = this.byId.get(response.watchId);
    if (!watcher) return; // cancelled on our side; late events are re-read on resume if needed
    this.deliver(watcher, response);
  }

  private deliver(watcher: Watcher, response: etcdserverpb.WatchResponse): void {
    if (response.compactRevision > 0n) {
      this.forget(watcher);
      watcher.onCompacted(response.compactRevision);
      return;
    }
    if (response.events.length > 0 || (!response.created && !response.canceled)) {
      watcher.onEvents(toHeader(response.header), response.events);
    }
    if (response.canceled) {
      this.forget(watcher);
      this.log.warn({ endpoint: this.endpoint.url, reason: response.cancelReason }, 'server cancelled watcher');
      const error = toKvError(
        { code: status.UNAVAILABLE, details: response.cancelReason || 'watcher cancelled by server' },
        { endpoint: this.endpoint.url, mutating: false, sent: true },
      );
      // dropped for a passing reason (e.g. leader loss): carry on elsewhere; refused: fail
      if (isRetryableOnAnotherEndpoint(error)) this.events.onBroken(this, [watcher], error);
      else watcher.fail(error);
    }
  }

  private forget(watcher: Watcher): void {
    const id = this.idOf.get(watcher);
    if (id === undefined) return;
    this.idOf.delete(watcher);
    this.byId.delete(id);
  }

  private onBroken(error: KvError): void {
    if (this.broken) return;
    this.broken = true;
    clearTimeout(this.createTimer);
    const inFlight = this.createInFlight && !this.inFlightAbandoned ? [this.createInFlight] : [];
    const orphans = [...this.byId.values(), ...inFlight, ...this.createQueue];
    this.byId.clear();
    this.idOf.clear();
    this.createQueue.length = 0;
    this.createInFlight = undefined;
    this.call.cancel();
    this.events.onBroken(this, orphans, error);
  }
}
