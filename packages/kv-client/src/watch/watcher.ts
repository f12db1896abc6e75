import { etcdserverpb, mvccpb } from '@coreos-ts/proto';
import { CancelledError, CompactedError, type KvError } from '../errors.js';
import { type Header, KeyValue } from '../kv-types.js';
import type { WatchBatch, WatchEvent, WatchFilter } from './watch-types.js';

const FILTERS: Record<WatchFilter, etcdserverpb.WatchCreateRequest_FilterType> = {
  noPut: etcdserverpb.WatchCreateRequest_FilterType.NOPUT,
  noDelete: etcdserverpb.WatchCreateRequest_FilterType.NODELETE,
};

export interface WatcherSpec {
  key: Buffer;
  rangeEnd: Buffer;
  startRevision: bigint;
  prevKv: boolean;
  filters: WatchFilter[];
  progressNotify: boolean;
}

/** What a watcher needs from whoever carries it: (re)attach it somewhere, or detach it. */
export interface WatcherHost {
  attach(watcher: Watcher): void;
  detach(watcher: Watcher): void;
}

type Waiter = { resolve: (r: IteratorResult<WatchBatch>) => void; reject: (e: unknown) => void };

/**
 * One logical watch as the caller sees it: an async iterator of batches that survives stream
 * loss. It remembers the next revision it owes the caller, so a re-created server watcher starts
 * exactly there: nothing skipped, nothing repeated. Compaction of that revision is an error.
 */
export class Watcher implements AsyncIterableIterator<WatchBatch> {
  /** Next revision to deliver; 0n until the first server watcher says where "now" is. */
  nextRevision: bigint;
  /** Buffered batches stopped the server watcher until the consumer catches up. */
  paused = false;
  /** URL of the endpoint whose stream carries this watch now (undefined while re-homing). */
  endpoint: string | undefined;
  private readonly queue: WatchBatch[] = [];
  private waiter: Waiter | undefined;
  private failure: KvError | undefined;
  private finished = false;
  private createdResolve!: (revision: bigint) => void;
  private createdReject!: (err: unknown) => void;
  /** Resolves with the first revision the watch covers, once a server watcher exists. */
  readonly created: Promise<bigint>;

  constructor(
    readonly spec: WatcherSpec,
    private readonly host: WatcherHost,
    private readonly bufferBatchesMax: number,
  ) {
    this.nextRevision = spec.startRevision;
    this.created = new Promise<bigint>((resolve, reject) => {
      this.createdResolve = resolve;
      this.createdReject = reject;
    });
    this.created.catch(() => {});
  }

  get closed(): boolean {
    return this.finished || this.failure !== undefined;
  }

  createRequest(): etcdserverpb.WatchRequest {
    return {
      createRequest: etcdserverpb.WatchCreateRequest.fromPartial({
        key: this.spec.key,
        rangeEnd: this.spec.rangeEnd,
        startRevision: this.nextRevision,
        prevKv: this.spec.prevKv,
        filters: this.spec.filters.map((f) => FILTERS[f]),
        progressNotify: this.spec.progressNotify,
      }),
    };
  }

  /** A server watcher now exists; `headerRevision` is the store revision at its creation. */
  onCreated(headerRevision: bigint): void {
    if (this.nextRevision === 0n) this.nextRevision = headerRevision + 1n;
    this.createdResolve(this.nextRevision);
  }

  /** Events from the server; anything below nextRevision was delivered before and is dropped. */
  onEvents(header: Header, events: mvccpb.Event[]): void {
    if (this.closed) return;
    const fresh: WatchEvent[] = [];
    for (const event of events) {
      if (!event.kv || event.kv.modRevision < this.nextRevision) continue;
      fresh.push({
        type: event.type === mvccpb.Event_EventType.DELETE ? 'delete' : 'put',
        kv: new KeyValue(event.kv),
        prevKv: event.prevKv ? new KeyValue(event.prevKv) : undefined,
      });
    }
    const last = fresh[fresh.length - 1];
    if (last) this.nextRevision = last.kv.modRevision + 1n;
    if (fresh.length === 0 && events.length > 0) return;
    this.push({ header, events: fresh });
  }

  onCompacted(compactRevision: bigint): void {
    this.fail(
      new CompactedError(
        `watch cannot resume at revision ${this.nextRevision}: compacted up to ${compactRevision}`,
        compactRevision,
      ),
    );
  }

  fail(error: KvError): void {
    if (this.closed) return;
    this.failure = error;
    this.createdReject(error);
    this.host.detach(this);
    if (this.queue.length === 0) this.settleWaiter();
  }

  /** Stops the watch; a pending or later next() ends the iteration. */
  cancel(): void {
    if (this.closed) return;
    this.finished = true;
    this.createdReject(new CancelledError('watch cancelled'));
    this.host.detach(this);
    this.queue.length = 0;
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<WatchBatch>> {
    const batch = this.queue.shift();
    if (batch) {
      if (this.paused && this.queue.length === 0 && !this.closed) {
        this.paused = false;
        this.host.attach(this);
      }
      return Promise.resolve({ value: batch, done: false });
    }
    if (this.failure) return Promise.reject(this.failure);
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    if (this.waiter) return Promise.reject(new Error('watch: next() called again before the previous one settled'));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<WatchBatch>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private push(batch: WatchBatch): void {
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ value: batch, done: false });
      return;
    }
    this.queue.push(batch);
    if (this.queue.length >= this.bufferBatchesMax && !this.paused) {
      // bounded buffer: stop the server watcher; resume from nextRevision once drained
      this.paused = true;
      this.host.detach(this);
    }
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (!waiter) return;
    this.waiter = undefined;
    if (this.failure) waiter.reject(this.failure);
    else waiter.resolve({ value: undefined, done: true });
  }
}
