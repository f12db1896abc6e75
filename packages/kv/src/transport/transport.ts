import { DomainError, type Logger, type ServiceBinding } from '@coreos-ts/grpc-kit';
import { raftpb } from '@coreos-ts/proto';
import type { Message } from '@coreos-ts/raft';
import {
  type ChannelCredentials,
  Metadata,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { type DecodedBatch, decodeMessageBatch } from './batch-codec.js';
import { PeerSender } from './peer-sender.js';
import { messageFromWire } from './raft-codec.js';
import { REMOVED_MESSAGE } from './removed.js';

export interface TransportOptions {
  clusterId: bigint;
  localId: bigint;
  credentials: ChannelCredentials;
  log: Logger;
  /** A message from a peer, for raft's step. */
  onMessage(message: Message): void;
  onUnreachable(peerId: bigint): void;
  onSnapshotStatus(peerId: bigint, ok: boolean): void;
  /** The store's content to send with a MsgSnap. */
  snapshotData(): Promise<Buffer>;
  /** Who is in the cluster, for members joining it. */
  clusterInfo(): raftpb.ClusterInfoResponse;
  /** Whether a member was removed from the cluster (its messages are refused, and it learns so). */
  isRemoved(id: bigint): boolean;
  /** A peer refused this member's messages because it was removed from the cluster. */
  onRemoved(): void;
  queueMessagesMax?: number;
  batchBytesMax?: number;
  snapshotChunkBytes?: number;
  /** The largest snapshot accepted from a peer. */
  snapshotBytesMax?: number;
}

/** Asks the members at `peerUrls`, one after the other, who is in their cluster. */
export async function fetchClusterInfo(
  peerUrls: readonly string[],
  credentials: ChannelCredentials,
  timeoutMs: number,
): Promise<raftpb.ClusterInfoResponse> {
  const errors: string[] = [];
  for (const url of peerUrls) {
    const client = new raftpb.RaftPeerClient(dialTarget(url), credentials);
    try {
      return await new Promise<raftpb.ClusterInfoResponse>((resolve, reject) => {
        client.clusterInfo({}, new Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) =>
          err || !res ? reject(err ?? new Error('no answer')) : resolve(res),
        );
      });
    } catch (err) {
      errors.push(`${url}: ${(err as Error).message}`);
    } finally {
      client.close();
    }
  }
  throw new Error(`no peer of the existing cluster answered (${errors.join('; ')})`);
}

/** `http://127.0.0.1:2380` -> `127.0.0.1:2380`, the form grpc-js dials. */
export function dialTarget(url: string): string {
  const u = new URL(url);
  return `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port}`;
}

/**
 * Raft messages between members: one PeerSender per peer for the way out, and the RaftPeer
 * service (to be served on the peer listener) for the way in.
 */
export class Transport {
  private readonly peers = new Map<bigint, { urls: string[]; sender: PeerSender }>();

  constructor(private readonly options: TransportOptions) {}

  setPeer(id: bigint, urls: string[]): void {
    if (id === this.options.localId) return;
    const existing = this.peers.get(id);
    if (existing && existing.urls.join(',') === urls.join(',')) return;
    existing?.sender.stop();
    const first = urls[0];
    if (first === undefined) return;
    const sender = new PeerSender({
      clusterId: this.options.clusterId,
      localId: this.options.localId,
      peerId: id,
      target: dialTarget(first),
      credentials: this.options.credentials,
      log: this.options.log,
      queueMessagesMax: this.options.queueMessagesMax ?? 4096,
      batchBytesMax: this.options.batchBytesMax ?? 1024 * 1024,
      snapshotChunkBytes: this.options.snapshotChunkBytes ?? 512 * 1024,
      onUnreachable: this.options.onUnreachable,
      onSnapshotStatus: this.options.onSnapshotStatus,
      snapshotData: this.options.snapshotData,
      onRemoved: this.options.onRemoved,
    });
    this.peers.set(id, { urls, sender });
  }

  removePeer(id: bigint): void {
    this.peers.get(id)?.sender.stop();
    this.peers.delete(id);
  }

  /** Sends a Ready's messages, each peer's as one batch. */
  send(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    const byPeer = new Map<bigint, Message[]>();
    for (const m of messages) {
      const list = byPeer.get(m.to);
      if (list) list.push(m);
      else byPeer.set(m.to, [m]);
    }
    for (const [to, list] of byPeer) {
      const peer = this.peers.get(to);
      if (peer) peer.sender.send(list);
      else this.options.onUnreachable(to);
    }
  }

  stop(): void {
    for (const peer of this.peers.values()) peer.sender.stop();
    this.peers.clear();
  }

  /** The RaftPeer service, for the member's peer gRPC server. */
  service(): ServiceBinding {
    const { clusterId, onMessage, clusterInfo, isRemoved } = this.options;
    const snapshotBytesMax = this.options.snapshotBytesMax ?? 8 * 1024 * 1024 * 1024;
    const mismatch = (got: bigint) =>
      new DomainError(
        'failed-precondition',
        `cluster ID mismatch: this member is in cluster ${clusterId.toString(16)}, the peer in ${got.toString(16)}`,
      );
    const implementation: raftpb.RaftPeerServer = {
      clusterInfo(_call, callback) {
        callback(null, clusterInfo());
      },
      send(call, callback) {
        let received = 0n;
        let failed = false;
        call.on('data', (batch: DecodedBatch) => {
          if (failed) return;
          if (batch.clusterId !== clusterId) {
            failed = true;
            callback(mismatch(batch.clusterId) as never);
            return;
          }
          if (isRemoved(batch.from)) {
            failed = true;
            callback(new DomainError('failed-precondition', REMOVED_MESSAGE) as never);
            return;
          }
          for (const m of batch.messages) onMessage(m);
          received += BigInt(batch.messages.length);
        });
        call.on('end', () => {
          if (!failed) callback(null, { received });
        });
        call.on('error', () => {});
      },
      sendSnapshot(call, callback) {
        const parts: Buffer[] = [];
        let bytes = 0;
        let head: raftpb.Message | undefined;
        let answered = false;
        const fail = (err: DomainError) => {
          answered = true;
          callback(err as never);
        };
        call.on('data', (chunk: raftpb.SnapshotChunk) => {
          if (answered) return;
          if (chunk.clusterId !== clusterId) return fail(mismatch(chunk.clusterId));
          if (chunk.message) head = chunk.message;
          bytes += chunk.data.length;
          if (bytes > snapshotBytesMax) {
            return fail(new DomainError('resource-exhausted', `snapshot larger than ${snapshotBytesMax} bytes`));
          }
          parts.push(chunk.data);
          if (chunk.last) {
            if (!head) return fail(new DomainError('invalid-argument', 'snapshot stream without its message'));
            onMessage(messageFromWire(head, Buffer.concat(parts, bytes)));
            callback(null, { received: 1n });
            answered = true;
          }
        });
        call.on('end', () => {
          if (!answered) fail(new DomainError('invalid-argument', 'snapshot stream ended before its last chunk'));
        });
        call.on('error', () => {});
      },
    };
    return {
      name: 'raftpb.RaftPeer',
      // Send's batches are read by batch-codec.ts straight into raft's messages
      definition: {
        ...raftpb.RaftPeerService,
        send: { ...raftpb.RaftPeerService.send, requestDeserialize: decodeMessageBatch },
      } as unknown as ServiceDefinition,
      implementation: implementation as unknown as UntypedServiceImplementation,
    };
  }
}
