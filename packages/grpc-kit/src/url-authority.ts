import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { Duplex } from 'node:stream';
import type { Server, ServerCredentials } from '@grpc/grpc-js';
import hpack from 'hpack.js';

// Go gRPC clients that dial an endpoint written as a URL (etcdctl 3.4 with
// --endpoints=http://host:port, or with --cluster) send the whole URL as the HTTP/2 :authority.
// Node's HTTP/2 (nghttp2) refuses such a request as a protocol error, where Go's server lets it
// pass. This listener looks at each plaintext connection's first request: a well-formed one is
// handed to grpc-js as it is (no cost afterwards); one with a URL for its authority goes
// through a rewriter that re-encodes every header block with the authority made valid.

const PREFACE_BYTES = 24;
const FRAME_HEADER_BYTES = 9;
const TYPE_HEADERS = 0x1;
const TYPE_CONTINUATION = 0x9;
const FLAG_END_HEADERS = 0x4;
const FLAG_PADDED = 0x8;
const FLAG_PRIORITY = 0x20;
const MAX_FRAME_BYTES = 16_384;
/** Bytes looked at before giving up and passing the connection through unchanged. */
const SNIFF_BYTES_MAX = 256 * 1024;
const HPACK_TABLE_BYTES = 4096;

const TYPE_SETTINGS = 0x4;
const FLAG_ACK = 0x1;
/** An empty SETTINGS frame: what the listener sends first, so clients that wait for one go on. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, TYPE_SETTINGS, 0, 0, 0, 0, 0]);

interface HeaderBlock {
  streamId: number;
  flags: number;
  priority: Buffer | undefined;
  block: Buffer;
  /** The frames as they came. */
  raw: Buffer[];
}

/**
 * Splits client bytes into frames; collects a HEADERS frame with its CONTINUATIONs into one
 * block. The client's acknowledgement of the listener's own SETTINGS is taken out of the
 * stream (grpc-js's HTTP/2 session never sent that SETTINGS, so it must not see the ACK).
 */
class FrameReader {
  private buffered: Buffer = Buffer.alloc(0);
  private prefaceLeft = PREFACE_BYTES;
  private pending: HeaderBlock | undefined;
  ackDropped = false;

  constructor(
    private readonly onRaw: (bytes: Buffer) => void,
    private readonly onHeaders: (h: HeaderBlock) => void,
  ) {}

  /** Bytes received but not yet a whole frame. */
  remaining(): Buffer {
    return this.buffered;
  }

  clear(): void {
    this.buffered = Buffer.alloc(0);
  }

  push(chunk: Buffer): void {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, this.buffered.length);
      this.onRaw(this.buffered.subarray(0, n));
      this.buffered = this.buffered.subarray(n);
      this.prefaceLeft -= n;
    }
    while (this.buffered.length >= FRAME_HEADER_BYTES) {
      const length = this.buffered.readUIntBE(0, 3);
      if (this.buffered.length < FRAME_HEADER_BYTES + length) return;
      const type = this.buffered[3] as number;
      const flags = this.buffered[4] as number;
      const streamId = this.buffered.readUInt32BE(5) & 0x7fff_ffff;
      const payload = this.buffered.subarray(FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
      const whole = this.buffered.subarray(0, FRAME_HEADER_BYTES + length);
      this.buffered = this.buffered.subarray(FRAME_HEADER_BYTES + length);
      if (type === TYPE_SETTINGS && flags & FLAG_ACK && !this.ackDropped) this.ackDropped = true;
      else if (type === TYPE_HEADERS) this.headers(flags, streamId, payload, whole);
      else if (type === TYPE_CONTINUATION && this.pending) this.continuation(flags, payload, whole);
      else this.onRaw(whole);
    }
  }

  private headers(flags: number, streamId: number, payload: Buffer, whole: Buffer): void {
    let at = 0;
    let end = payload.length;
    if (flags & FLAG_PADDED) {
      end -= payload[0] as number;
      at = 1;
    }
    let priority: Buffer | undefined;
    if (flags & FLAG_PRIORITY) {
      priority = payload.subarray(at, at + 5);
      at += 5;
    }
    this.pending = {
      streamId,
      flags: flags & ~(FLAG_PADDED | FLAG_PRIORITY),
      priority,
      block: payload.subarray(at, end),
      raw: [whole],
    };
    if (flags & FLAG_END_HEADERS) this.finish();
  }

  private continuation(flags: number, payload: Buffer, whole: Buffer): void {
    const p = this.pending as HeaderBlock;
    p.block = Buffer.concat([p.block, payload]);
    p.raw.push(whole);
    if (flags & FLAG_END_HEADERS) this.finish();
  }

  private finish(): void {
    const h = this.pending as HeaderBlock;
    this.pending = undefined;
    this.onHeaders(h);
  }
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(FRAME_HEADER_BYTES);
  head.writeUIntBE(payload.length, 0, 3);
  head[3] = type;
  head[4] = flags;
  head.writeUInt32BE(streamId, 5);
  return Buffer.concat([head, payload]);
}

/** The header block re-encoded as HEADERS (+ CONTINUATION) frames of at most 16 KiB. */
function headerFrames(h: HeaderBlock, block: Buffer): Buffer[] {
  const first = h.priority ? Buffer.concat([h.priority, block]) : block;
  const flags = (h.flags & ~FLAG_END_HEADERS) | (h.priority ? FLAG_PRIORITY : 0);
  const out: Buffer[] = [];
  let rest = first;
  let type = TYPE_HEADERS;
  let f = flags;
  while (rest.length > MAX_FRAME_BYTES) {
    out.push(frame(type, f, h.streamId, rest.subarray(0, MAX_FRAME_BYTES)));
    rest = rest.subarray(MAX_FRAME_BYTES);
    type = TYPE_CONTINUATION;
    f = 0;
  }
  out.push(frame(type, f | FLAG_END_HEADERS, h.streamId, rest));
  return out;
}

/** A valid authority from a URL one: "http://127.0.0.1:2379" -> "127.0.0.1:2379". */
export function repairAuthority(value: string): string {
  const at = value.indexOf('://');
  const rest = at >= 0 ? value.slice(at + 3) : value;
  return rest.replace(/\/.*$/, '');
}

function isUrlAuthority(value: string): boolean {
  return value.includes('/');
}

/**
 * The client side of a connection as grpc-js sees it. Until the first request's headers are in,
 * frames are parsed; a connection whose authority is a URL keeps every header block
 * re-encoded, any other is passed through byte for byte from then on.
 */
class AuthorityRepairingConnection extends Duplex {
  private readonly reader: FrameReader;
  private readonly decoder = hpack.decompressor.create({ table: { size: HPACK_TABLE_BYTES } });
  private readonly encoder = hpack.compressor.create({ table: { size: HPACK_TABLE_BYTES } });
  /** undefined until the first request: then whether header blocks are re-encoded. */
  private rewriting: boolean | undefined;
  private sniffedBytes = 0;

  /** `prelude`: what `sniff` already read (without the acknowledgement it took out). */
  constructor(
    private readonly socket: Socket,
    prelude: Buffer,
    ackDropped: boolean,
  ) {
    super();
    this.reader = new FrameReader(
      (bytes) => this.push(bytes),
      (h) => this.onHeaders(h),
    );
    this.reader.ackDropped = ackDropped;
    socket.on('data', (chunk: Buffer) => {
      if (!this.onClientBytes(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (err) => this.destroy(err));
    this.onClientBytes(prelude);
  }

  private onClientBytes(chunk: Buffer): boolean {
    if (this.rewriting === false && this.reader.ackDropped) return this.push(chunk);
    try {
      this.sniffedBytes += chunk.length;
      this.reader.push(chunk);
      if (this.rewriting === undefined && this.sniffedBytes > SNIFF_BYTES_MAX) this.passThrough();
      else if (this.rewriting === false && this.reader.ackDropped) this.passThrough();
    } catch (err) {
      this.destroy(err as Error);
    }
    return this.readableLength < this.readableHighWaterMark;
  }

  private onHeaders(h: HeaderBlock): void {
    if (this.rewriting === undefined) {
      const fields = this.decode(h.block);
      this.rewriting = fields.some((f) => f.name === ':authority' && isUrlAuthority(f.value));
      if (this.rewriting) {
        for (const f of headerFrames(h, this.encode(fields))) this.push(f);
        return;
      }
      for (const raw of h.raw) this.push(raw);
      if (this.reader.ackDropped) this.passThrough();
      return;
    }
    if (this.rewriting) {
      for (const f of headerFrames(h, this.encode(this.decode(h.block)))) this.push(f);
    } else {
      for (const raw of h.raw) this.push(raw);
    }
  }

  /** From now on (once the listener's SETTINGS were acknowledged), client bytes go to grpc-js unparsed. */
  private passThrough(): void {
    this.rewriting = false;
    if (!this.reader.ackDropped) return;
    const rest = this.reader.remaining();
    this.reader.clear();
    if (rest.length > 0) this.push(rest);
  }

  private decode(block: Buffer): { name: string; value: string; neverIndex?: boolean }[] {
    this.decoder.write(block);
    this.decoder.execute();
    const fields: { name: string; value: string; neverIndex?: boolean }[] = [];
    for (let f = this.decoder.read(); f !== null; f = this.decoder.read()) fields.push(f);
    return fields;
  }

  private encode(fields: { name: string; value: string; neverIndex?: boolean }[]): Buffer {
    const repaired = fields.map((f) =>
      f.name === ':authority' && isUrlAuthority(f.value) ? { ...f, value: repairAuthority(f.value) } : f,
    );
    this.encoder.write(repaired);
    const parts: Buffer[] = [];
    for (let b = this.encoder.read(); b !== null; b = this.encoder.read()) parts.push(b);
    return Buffer.concat(parts);
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.socket.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.socket.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.socket.destroy();
    cb(err);
  }
}

/**
 * Sends the listener's SETTINGS, then reads the client's bytes until its first request's
 * headers and its acknowledgement of those SETTINGS are in (or a bound is reached). `decide`
 * gets the bytes read (without that acknowledgement), whether the authority is a URL
 * (undefined if no request came), and whether the acknowledgement was taken out.
 */
function sniff(
  socket: Socket,
  decide: (prelude: Buffer, urlAuthority: boolean | undefined, ackDropped: boolean) => void,
): void {
  const out: Buffer[] = [];
  let size = 0;
  let url: boolean | undefined;
  let decided = false;
  const decoder = hpack.decompressor.create({ table: { size: HPACK_TABLE_BYTES } });
  const reader = new FrameReader(
    (bytes) => out.push(bytes),
    (h) => {
      out.push(...h.raw);
      if (url !== undefined) return;
      decoder.write(h.block);
      decoder.execute();
      url = false;
      for (let f = decoder.read(); f !== null; f = decoder.read()) {
        if (f.name === ':authority' && isUrlAuthority(f.value)) url = true;
      }
    },
  );
  const finish = () => {
    if (decided) return;
    decided = true;
    socket.off('data', onData);
    socket.off('end', finish);
    socket.pause();
    decide(Buffer.concat([...out, reader.remaining()]), url, reader.ackDropped);
  };
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    try {
      reader.push(chunk);
    } catch {
      finish();
      return;
    }
    if ((url !== undefined && reader.ackDropped) || size > SNIFF_BYTES_MAX) finish();
  };
  socket.on('data', onData);
  socket.on('end', finish);
  socket.write(EMPTY_SETTINGS);
}

/**
 * Serves a grpc-js server on host:port (plaintext), accepting Go clients' URL authorities.
 * Returns the bound port and a close function for the listener.
 */
export async function listenAcceptingUrlAuthority(
  server: Server,
  credentials: ServerCredentials,
  host: string,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const injector = server.createConnectionInjector(credentials);
  const sockets = new Set<Socket>();
  const listener: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    sniff(socket, (prelude, urlAuthority, ackDropped) => {
      if (urlAuthority === false && ackDropped) {
        // the common case: HTTP/2 in Node reads what was put back, then takes the socket natively
        // (no resume: once HTTP/2 owns the socket it reads from it itself)
        socket.unshift(prelude);
        injector.injectConnection(socket);
      } else {
        injector.injectConnection(new AuthorityRepairingConnection(socket, prelude, ackDropped));
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host, () => resolve());
  });
  const address = listener.address();
  return {
    port: typeof address === 'object' && address ? address.port : port,
    // the listener closes once its connections are gone: end them (grpc-js has had its grace)
    close: () =>
      new Promise<void>((resolve) => {
        listener.close(() => resolve());
        injector.destroy();
        for (const socket of sockets) socket.destroy();
      }),
  };
}
