import type { Logger } from '@coreos-ts/grpc-kit';
import { raftpb } from '@coreos-ts/proto';
import { type Message, MessageType } from '@coreos-ts/raft';
import { type ChannelCredentials, type ClientWritableStream, makeGenericClientConstructor } from '@grpc/grpc-js';
import { encodeMessageBatch } from './batch-codec.js';
import { messageToWire } from './raft-codec.js';
import { REMOVED_MESSAGE } from './removed.js';

export interface PeerSenderOptions {
  clusterId: bigint;
  localId: bigint;
  peerId: bigint;
  /** host:port of the peer's peer listener. */
  target: string;
  credentials: ChannelCredentials;
  log: Logger;
  /** Messages waiting for the stream; beyond it messages are dropped (raft retransmits). */
  queueMessagesMax: number;
  /** Bytes of entries per MessageBatch. */
  batchBytesMax: number;
  snapshotChunkBytes: number;
  onUnreachable(peerId: bigint): void;
  onSnapshotStatus(peerId: bigint, ok: boolean): void;
  /** The store's content to send with a MsgSnap (raft's own snapshot carries only metadata). */
  snapshotData(): Promise<Buffer>;
  /** The peer refused us: this member was removed from the cluster. */
  onRemoved(): void;
}

/** The RaftPeer client, but Send takes MessageBatch bytes written by batch-codec.ts. */
const PeerClient = makeGenericClientConstructor(
  { ...raftpb.RaftPeerService, send: { ...raftpb.RaftPeerService.send, requestSerialize: (bytes: Buffer) => bytes } },
  'raftpb.RaftPeer',
) as unknown as new (
  ...args: ConstructorParameters<typeof raftpb.RaftPeerClient>
) => Omit<raftpb.RaftPeerClient, 'send'> & {
  send(callback: (err: { details?: string; message: string } | null) => void): ClientWritableStream<Buffer>;
};

/**
 * Back-off between attempts to reach a peer. The cap is short, like etcd's stream dialer (a
 * dial every 100 ms): a restarted member is reached within a fraction of a second, and a
 * refused connection costs next to nothing.
 */
const RECONNECT_MIN_MS = 25;
const RECONNECT_MAX_MS = 200;

/**
 * Sends raft messages to one peer over a long-lived client stream, many per batch, reconnecting
 * with back-off. Snapshots go over their own stream in chunks. Loss is tolerated (raft
 * retransmits); every loss is reported as unreachability so the leader probes again.
 */
export class PeerSender {
  private readonly client: InstanceType<typeof PeerClient>;
  private queue: Message[] = [];
  private stream: ClientWritableStream<Buffer> | undefined;
  private flushScheduled = false;
  private waitingForDrain = false;
  private reconnectMs = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private snapshotInFlight = false;
  private stopped = false;
  private droppedSinceLog = 0;

  constructor(private readonly options: PeerSenderOptions) {
    this.client = new PeerClient(options.target, options.credentials, {
      'grpc.max_send_message_length': 64 * 1024 * 1024,
      'grpc.initial_reconnect_backoff_ms': RECONNECT_MIN_MS,
      'grpc.max_reconnect_backoff_ms': RECONNECT_MAX_MS,
      'grpc.enable_channelz': 0,
    });
  }

  /**
   * Sends one Ready's messages to this peer: written to the stream at once, as one batch (a turn
   * of the event loop later would put the leader's apply and its watchers ahead of a commit the
   * followers are waiting for). A stream that is full or reconnecting gets them when it can.
   */
  send(messages: readonly Message[]): void {
    if (this.stopped) return;
    for (const message of messages) {
      if (message.type === MessageType.MsgSnap) {
        this.sendSnapshot(message);
      } else if (this.queue.length >= this.options.queueMessagesMax) {
        this.drop(1);
      } else {
        this.queue.push(message);
      }
    }
    if (!this.waitingForDrain && this.reconnectTimer === undefined) this.flush();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.stream?.end();
    this.stream = undefined;
    this.queue = [];
    this.client.close();
  }

  private drop(count: number): void {
    this.droppedSinceLog += count;
    if (this.droppedSinceLog === count) {
      this.options.log.warn({ peer: this.options.peerId.toString(16), count }, 'dropped raft messages to peer');
    }
    this.options.onUnreachable(this.options.peerId);
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.waitingForDrain || this.reconnectTimer) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private openStream(): ClientWritableStream<Buffer> {
    const stream = this.client.send((err) => {
      if (this.stream === stream) this.stream = undefined;
      if (this.stopped) return;
      if (err?.details === REMOVED_MESSAGE) this.options.onRemoved();
      if (err) this.onStreamFailed(err.message);
    });
    stream.on('error', () => {});
    this.stream = stream;
    return stream;
  }

  private onStreamFailed(reason: string): void {
    this.options.log.debug({ peer: this.options.peerId.toString(16), reason }, 'peer stream failed');
    this.options.onUnreachable(this.options.peerId);
    if (this.queue.length > 0) {
      this.drop(this.queue.length);
      this.queue = [];
    }
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.queue.length > 0) this.scheduleFlush();
    }, this.reconnectMs);
    this.reconnectMs = Math.min(this.reconnectMs * 2, RECONNECT_MAX_MS);
  }

  private flush(): void {
    if (this.stopped || this.queue.length === 0) return;
    const stream = this.stream ?? this.openStream();
    while (this.queue.length > 0) {
      const batch = this.takeBatch();
      const ok = stream.write(batch);
      if (!ok) {
        this.waitingForDrain = true;
        stream.once('drain', () => {
          this.waitingForDrain = false;
          this.scheduleFlush();
        });
        return;
      }
    }
    this.reconnectMs = RECONNECT_MIN_MS;
    this.droppedSinceLog = 0;
  }

  private takeBatch(): Buffer {
    let bytes = 0;
    let n = 0;
    for (const m of this.queue) {
      for (const e of m.entries) bytes += e.data.byteLength + 24;
      n++;
      if (bytes >= this.options.batchBytesMax) break;
    }
    const taken = this.queue.splice(0, n);
    return encodeMessageBatch(this.options.clusterId, this.options.localId, taken);
  }

  private sendSnapshot(message: Message): void {
    const snapshot = message.snapshot;
    if (this.snapshotInFlight || !snapshot) {
      this.options.onSnapshotStatus(this.options.peerId, false);
      return;
    }
    this.snapshotInFlight = true;
    this.options.snapshotData().then(
      (data) => this.streamSnapshot(message, data),
      (err: unknown) => {
        this.snapshotInFlight = false;
        this.options.log.warn({ err: String(err) }, 'could not read the store for a snapshot');
        this.options.onSnapshotStatus(this.options.peerId, false);
      },
    );
  }

  private streamSnapshot(message: Message, data: Buffer): void {
    const finish = (ok: boolean) => {
      this.snapshotInFlight = false;
      this.options.log.info(
        { peer: this.options.peerId.toString(16), index: message.snapshot?.metadata.index, bytes: data.length, ok },
        'sent snapshot to peer',
      );
      this.options.onSnapshotStatus(this.options.peerId, ok);
    };
    const stream = this.client.sendSnapshot((err) => finish(!err));
    stream.on('error', () => {});
    const chunk = this.options.snapshotChunkBytes;
    const chunks = Math.max(1, Math.ceil(data.length / chunk));
    const wire = messageToWire(message);
    let i = 0;
    const writeNext = () => {
      while (i < chunks) {
        const start = i * chunk;
        const last = i === chunks - 1;
        const ok = stream.write({
          clusterId: this.options.clusterId,
          message: i === 0 ? wire : undefined,
          data: data.subarray(start, Math.min(start + chunk, data.length)),
          offset: BigInt(start),
          last,
        });
        i++;
        if (last) {
          stream.end();
          return;
        }
        if (!ok) {
          stream.once('drain', writeNext);
          return;
        }
      }
    };
    writeNext();
  }
}
