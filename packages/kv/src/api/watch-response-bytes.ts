import { etcdserverpb, mvccpb } from '@coreos-ts/proto';
import type { ServiceDefinition } from '@grpc/grpc-js';
import { varintSize, Writer } from '../wire/proto-writer.js';

// A write seen by many watchers goes out as one WatchResponse per watcher, each carrying the same
// events. Encoding every response from scratch copies the same key and value into every one; here
// each event is encoded once (cached by the event object, which the hub shares between watchers)
// and so is the header (one per revision and term), and a watcher's response is those bytes
// joined with its watch id, in the field order protobuf's own encoder uses.

/** Whether only header, watch id (non-negative, below 2^53) and events are set. */
function isEventsOnly(resp: etcdserverpb.WatchResponse): boolean {
  return (
    !resp.created &&
    !resp.canceled &&
    !resp.fragment &&
    resp.compactRevision === 0n &&
    resp.cancelReason === '' &&
    resp.watchId >= 0n &&
    resp.watchId <= BigInt(Number.MAX_SAFE_INTEGER)
  );
}

/** Encodes WatchResponses for one server, reusing the encoding of shared headers and events. */
export class WatchResponseEncoder {
  private readonly events = new WeakMap<mvccpb.Event, Uint8Array>();
  private lastHeader: etcdserverpb.ResponseHeader | undefined;
  private lastHeaderBytes: Uint8Array = new Uint8Array(0);

  encode(resp: etcdserverpb.WatchResponse): Buffer {
    if (!isEventsOnly(resp) || resp.header === undefined) {
      return Buffer.from(etcdserverpb.WatchResponse.encode(resp).finish());
    }
    const header = this.headerBytes(resp.header);
    const events = resp.events.map((ev) => this.eventBytes(ev));
    const watchId = Number(resp.watchId);
    let size = 1 + varintSize(header.length) + header.length;
    if (watchId !== 0) size += 1 + varintSize(watchId);
    for (const ev of events) size += 1 + varintSize(ev.length) + ev.length;
    const w = new Writer(Buffer.allocUnsafe(size));
    w.bytesField(1, header);
    if (watchId !== 0) w.numberField(2, watchId);
    for (const ev of events) w.bytesField(11, ev);
    return w.buf;
  }

  private headerBytes(h: etcdserverpb.ResponseHeader): Uint8Array {
    const last = this.lastHeader;
    if (
      last === undefined ||
      last.revision !== h.revision ||
      last.raftTerm !== h.raftTerm ||
      last.clusterId !== h.clusterId ||
      last.memberId !== h.memberId
    ) {
      this.lastHeader = { ...h };
      this.lastHeaderBytes = etcdserverpb.ResponseHeader.encode(h).finish();
    }
    return this.lastHeaderBytes;
  }

  private eventBytes(ev: mvccpb.Event): Uint8Array {
    let bytes = this.events.get(ev);
    if (bytes === undefined) {
      bytes = mvccpb.Event.encode(ev).finish();
      this.events.set(ev, bytes);
    }
    return bytes;
  }
}

/** etcdserverpb.Watch, whose responses may also be written as bytes already encoded. */
export const watchServiceDefinition = {
  ...etcdserverpb.WatchService,
  watch: {
    ...etcdserverpb.WatchService.watch,
    responseSerialize: (value: etcdserverpb.WatchResponse | Buffer): Buffer =>
      Buffer.isBuffer(value) ? value : Buffer.from(etcdserverpb.WatchResponse.encode(value).finish()),
  },
} as unknown as ServiceDefinition;
