import { bidiStream } from '@coreos-ts/grpc-kit';
import type { etcdserverpb } from '@coreos-ts/proto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { KvError } from '../errors.js';
import type { EtcdServer } from '../server/etcd-server.js';
import type { WatchHub } from '../watch/watch-hub.js';
import { mapErrors } from './map-errors.js';
import { WatchResponseEncoder } from './watch-response-bytes.js';

/** etcd's id for a response that belongs to no watcher (progress answers). */
const NO_WATCH_ID = -1n;
/** Watchers one stream may hold. */
const STREAM_WATCHERS_MAX = 10_000;

/** Responses go out as messages or as bytes the encoder made (see watchServiceDefinition). */
type Call = ServerDuplexStream<etcdserverpb.WatchRequest, etcdserverpb.WatchResponse | Buffer>;

/**
 * One Watch stream: many watchers multiplexed, each with a client-visible id. Responses go out
 * only while the stream has room; a full stream leaves the hub to hold (bounded) or re-read
 * from history, and resumes every watcher when it drains.
 */
class WatchStream {
  private readonly byClientId = new Map<bigint, number>();
  private nextAutoId = 0n;

  constructor(
    private readonly call: Call,
    private readonly server: EtcdServer,
    private readonly hub: () => WatchHub,
    private readonly encoder: WatchResponseEncoder,
  ) {}

  run(): Promise<void> {
    const { call } = this;
    call.on('drain', () => {
      for (const hubId of this.byClientId.values()) this.hub().resume(hubId);
    });
    return new Promise<void>((resolve) => {
      const finish = () => {
        for (const hubId of this.byClientId.values()) this.hub().cancel(hubId);
        this.byClientId.clear();
        resolve();
      };
      call.on('data', (req: etcdserverpb.WatchRequest) => this.onRequest(req));
      call.on('end', finish);
      call.on('cancelled', finish);
      call.on('error', finish);
    });
  }

  private write(resp: etcdserverpb.WatchResponse | Buffer): boolean {
    if (this.call.cancelled || this.call.writableEnded) return true;
    if (this.call.writableNeedDrain) return false;
    this.call.write(resp);
    return true;
  }

  private response(fields: Partial<etcdserverpb.WatchResponse>): etcdserverpb.WatchResponse {
    return {
      header: this.server.header(),
      watchId: 0n,
      created: false,
      canceled: false,
      compactRevision: 0n,
      cancelReason: '',
      fragment: false,
      events: [],
      ...fields,
    };
  }

  private onRequest(req: etcdserverpb.WatchRequest): void {
    if (req.createRequest) this.create(req.createRequest);
    else if (req.cancelRequest) this.cancel(req.cancelRequest.watchId);
    else if (req.progressRequest) this.call.write(this.response({ watchId: NO_WATCH_ID }));
  }

  private create(cr: etcdserverpb.WatchCreateRequest): void {
    let watchId = cr.watchId;
    if (watchId === 0n) {
      while (this.byClientId.has(this.nextAutoId)) this.nextAutoId++;
      watchId = this.nextAutoId++;
    }
    const refuse = (reason: string) =>
      this.call.write(this.response({ watchId, created: true, canceled: true, cancelReason: reason }));
    if (this.byClientId.has(watchId)) return void refuse('mvcc: duplicate watch ID provided on the WatchStream');
    if (this.byClientId.size >= STREAM_WATCHERS_MAX) return void refuse(new KvError('TooManyRequests').message);
    if (cr.key.length === 0) return void refuse(new KvError('EmptyKey').message);
    try {
      this.server.requireAccess(this.call.metadata, 'read', cr.key, cr.rangeEnd);
    } catch (err) {
      return void refuse((err as Error).message);
    }
    this.call.write(this.response({ watchId, created: true }));
    const hub = this.hub();
    let hubId: number;
    try {
      hubId = hub.watch(
        {
          key: cr.key,
          rangeEnd: cr.rangeEnd,
          startRevision: cr.startRevision,
          filters: cr.filters,
          prevKv: cr.prevKv,
          progressNotify: cr.progressNotify,
          watchId,
        },
        {
          send: (resp) => {
            const header = this.server.header();
            if (resp.header) header.revision = resp.header.revision;
            const ok = this.write(this.encoder.encode({ ...resp, header }));
            if (resp.canceled) this.byClientId.delete(watchId);
            return ok;
          },
        },
      );
    } catch (err) {
      this.call.write(this.response({ watchId, canceled: true, cancelReason: String((err as Error).message) }));
      return;
    }
    this.byClientId.set(watchId, hubId);
    if (!hub.isSynced(hubId)) hub.resume(hubId);
  }

  private cancel(watchId: bigint): void {
    const hubId = this.byClientId.get(watchId);
    if (hubId !== undefined) {
      this.hub().cancel(hubId);
      this.byClientId.delete(watchId);
    }
    this.call.write(this.response({ watchId, canceled: true }));
  }
}

/** etcdserverpb.Watch, to be served with watchServiceDefinition (it writes encoded responses). */
export function watchService(server: EtcdServer, hub: () => WatchHub): etcdserverpb.WatchServer {
  const encoder = new WatchResponseEncoder();
  const watch = bidiStream(mapErrors((call: Call) => new WatchStream(call, server, hub, encoder).run()));
  return { watch: watch as unknown as etcdserverpb.WatchServer['watch'] };
}
