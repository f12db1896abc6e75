import { etcdserverpb } from '@coreos-ts/proto';
import { ChannelCredentials, type Client } from '@grpc/grpc-js';

/** One gRPC connection (its own TCP socket) with the etcd v3 service stubs on it. */
export interface Connection {
  endpoint: string;
  kv: etcdserverpb.KVClient;
  watch: etcdserverpb.WatchClient;
  lease: etcdserverpb.LeaseClient;
  close(): void;
}

const MESSAGE_BYTES_MAX = 64 * 1024 * 1024;

function target(endpoint: string): string {
  return endpoint.replace(/^https?:\/\//, '');
}

/**
 * Opens a connection. Each has a private subchannel pool, so `conns` connections really are
 * `conns` TCP connections (grpc-js otherwise shares one per address); the stubs share the channel.
 */
export function openConnection(endpoint: string): Connection {
  const options = {
    'grpc.use_local_subchannel_pool': 1,
    'grpc.max_receive_message_length': MESSAGE_BYTES_MAX,
    'grpc.max_send_message_length': MESSAGE_BYTES_MAX,
  };
  const kv = new etcdserverpb.KVClient(target(endpoint), ChannelCredentials.createInsecure(), options);
  const channelOverride = kv.getChannel();
  const shared = { ...options, channelOverride };
  const watch = new etcdserverpb.WatchClient(target(endpoint), ChannelCredentials.createInsecure(), shared);
  const lease = new etcdserverpb.LeaseClient(target(endpoint), ChannelCredentials.createInsecure(), shared);
  return {
    endpoint,
    kv,
    watch,
    lease,
    close: () => kv.close(),
  };
}

/** `conns` connections over the endpoints round-robin, each connected before this resolves. */
export async function openConnections(endpoints: string[], conns: number, timeoutMs = 10_000): Promise<Connection[]> {
  const opened = Array.from({ length: conns }, (_, i) => openConnection(endpoints[i % endpoints.length] as string));
  try {
    await Promise.all(opened.map((c) => waitReady(c.kv, timeoutMs)));
  } catch (err) {
    for (const c of opened) c.close();
    throw err;
  }
  return opened;
}

function waitReady(client: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve()));
  });
}
