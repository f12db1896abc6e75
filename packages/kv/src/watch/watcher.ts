import { etcdserverpb, mvccpb } from '@coreos-ts/proto';
import { type KeySpan, keySpan, spanContains } from '../mvcc/key-range.js';

/** Where the watch stream layer receives a watcher's responses. */
export interface WatchSink {
  /**
   * Offers one response. Returning false means "full right now": the hub keeps it (bounded)
   * or re-reads it from history later; call `WatchHub.resume` once the sink drains.
   */
  send(resp: etcdserverpb.WatchResponse): boolean;
}

export interface WatchOptions {
  readonly key: Buffer;
  /** etcd range_end rules: empty = the key, "\0" = from key, else [key, rangeEnd). */
  readonly rangeEnd?: Buffer;
  /** First revision to deliver; 0 = from the next write. */
  readonly startRevision?: bigint;
  readonly filters?: readonly etcdserverpb.WatchCreateRequest_FilterType[];
  readonly prevKv?: boolean;
  readonly progressNotify?: boolean;
  /** The id put in responses (the stream's own id); defaults to the hub's id for the watcher. */
  readonly watchId?: bigint;
}

/** The hub's options for a gRPC WatchCreateRequest (watch_id 0 = let the hub choose). */
export function watchOptionsFrom(req: etcdserverpb.WatchCreateRequest): WatchOptions {
  return {
    key: req.key,
    rangeEnd: req.rangeEnd,
    startRevision: req.startRevision,
    filters: req.filters,
    prevKv: req.prevKv,
    progressNotify: req.progressNotify,
    ...(req.watchId !== 0n ? { watchId: req.watchId } : {}),
  };
}

export interface Pending {
  readonly resp: etcdserverpb.WatchResponse;
  /** The first revision the response carries (undefined for progress notifications). */
  readonly fromRev: bigint | undefined;
}

/** One watcher's state in the hub. */
export class Watcher {
  readonly span: KeySpan;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly prevKv: boolean;
  readonly progressNotify: boolean;
  readonly watchId: bigint;
  /** Every event below this revision has been sent or queued. */
  nextRev: bigint;
  synced = false;
  readonly queue: Pending[] = [];
  queuedEvents = 0;

  constructor(
    readonly id: number,
    options: WatchOptions,
    readonly sink: WatchSink,
    currentRevision: bigint,
  ) {
    this.span = keySpan(options.key, options.rangeEnd ?? Buffer.alloc(0));
    const filters = options.filters ?? [];
    this.noPut = filters.includes(etcdserverpb.WatchCreateRequest_FilterType.NOPUT);
    this.noDelete = filters.includes(etcdserverpb.WatchCreateRequest_FilterType.NODELETE);
    this.prevKv = options.prevKv ?? false;
    this.progressNotify = options.progressNotify ?? false;
    this.watchId = options.watchId ?? BigInt(id);
    const start = options.startRevision ?? 0n;
    this.nextRev = start > 0n ? start : currentRevision + 1n;
  }

  /** Whether this watcher wants an event on `key` of this type. */
  wants(key: string, type: mvccpb.Event_EventType): boolean {
    if (type === mvccpb.Event_EventType.PUT ? this.noPut : this.noDelete) return false;
    return spanContains(this.span, key);
  }

  /** A response carrying `events` themselves (not copies: the stream layer encodes each once). */
  response(revision: bigint, events: mvccpb.Event[]): etcdserverpb.WatchResponse {
    return {
      header: { clusterId: 0n, memberId: 0n, revision, raftTerm: 0n },
      watchId: this.watchId,
      created: false,
      canceled: false,
      compactRevision: 0n,
      cancelReason: '',
      fragment: false,
      events,
    };
  }
}
