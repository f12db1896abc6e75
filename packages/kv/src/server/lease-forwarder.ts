import { etcdserverpb } from '@coreos-ts/proto';
import type { ChannelCredentials, ClientDuplexStream } from '@grpc/grpc-js';
import { KvError } from '../errors.js';
import { dialTarget } from '../transport/transport.js';

const RENEW_TIMEOUT_MS = 5000;
const PENDING_MAX = 10_000;

interface Pending {
  resolve(ttl: bigint): void;
  reject(err: unknown): void;
  timer: NodeJS.Timeout;
}

/**
 * Keep-alives that reach a follower go to the leader, which alone tracks lease expiry: one
 * LeaseKeepAlive stream to the leader's client URL, answers matched to requests by lease ID.
 */
export class LeaseForwarder {
  private target: string | undefined;
  private client: etcdserverpb.LeaseClient | undefined;
  private stream:
    | ClientDuplexStream<etcdserverpb.LeaseKeepAliveRequest, etcdserverpb.LeaseKeepAliveResponse>
    | undefined;
  private readonly pending = new Map<bigint, Pending[]>();
  private count = 0;

  constructor(private readonly credentials: ChannelCredentials) {}

  renew(leaderClientUrl: string, id: bigint): Promise<bigint> {
    if (this.count >= PENDING_MAX) return Promise.reject(new KvError('TooManyRequests'));
    const stream = this.streamTo(dialTarget(leaderClientUrl));
    return new Promise<bigint>((resolve, reject) => {
      const entry: Pending = {
        resolve,
        reject,
        timer: setTimeout(() => this.settle(id, entry, new KvError('Timeout')), RENEW_TIMEOUT_MS),
      };
      const queue = this.pending.get(id) ?? [];
      queue.push(entry);
      this.pending.set(id, queue);
      this.count++;
      stream.write(etcdserverpb.LeaseKeepAliveRequest.fromPartial({ ID: id }));
    });
  }

  close(): void {
    this.reset(new KvError('Timeout'));
    this.client?.close();
    this.client = undefined;
    this.target = undefined;
  }

  private settle(id: bigint, entry: Pending, outcome: bigint | Error): void {
    const queue = this.pending.get(id);
    const at = queue?.indexOf(entry) ?? -1;
    if (!queue || at < 0) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.pending.delete(id);
    this.count--;
    clearTimeout(entry.timer);
    if (typeof outcome === 'bigint') entry.resolve(outcome);
    else entry.reject(outcome);
  }

  private reset(err: Error): void {
    for (const [id, queue] of [...this.pending]) for (const entry of [...queue]) this.settle(id, entry, err);
    this.stream?.end();
    this.stream = undefined;
  }

  private streamTo(target: string) {
    if (this.target !== target) {
      this.close();
      this.target = target;
      this.client = new etcdserverpb.LeaseClient(target, this.credentials);
    }
    if (this.stream) return this.stream;
    const stream = (this.client as etcdserverpb.LeaseClient).leaseKeepAlive();
    stream.on('data', (res: etcdserverpb.LeaseKeepAliveResponse) => {
      const entry = this.pending.get(res.ID)?.[0];
      if (entry) this.settle(res.ID, entry, res.TTL);
    });
    const broken = () => {
      if (this.stream !== stream) return;
      this.stream = undefined;
      this.reset(new KvError('NoLeader'));
    };
    stream.on('error', broken);
    stream.on('end', broken);
    this.stream = stream;
    return stream;
  }
}
