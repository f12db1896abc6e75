import { etcdserverpb } from '@coreos-ts/proto';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import type { Connection } from './connections.js';
import { keyChooser } from './keys.js';
import type { LoadSpec } from './load-spec.js';

/** One request of a client, numbered n in the run; resolves when the response arrives. */
export type Operation = (n: number) => Promise<void>;

export interface ClientOperation {
  run: Operation;
  close(): void;
}

function unary<Req, Res>(
  call: (req: Req, cb: (err: ServiceError | null, res: Res) => void) => unknown,
  req: Req,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    call(req, (err, res) => (err ? reject(err) : resolve(res)));
  });
}

/** Builds client number `index`'s operation for the spec's workload (not watch-latency). */
export async function clientOperation(spec: LoadSpec, conn: Connection, index: number): Promise<ClientOperation> {
  const chooseKey = keyChooser({
    keySize: spec.keySize,
    keySpaceSize: spec.keySpaceSize,
    sequential: spec.sequentialKeys,
    seed: spec.seed * 65_537 + index,
  });
  const value = Buffer.alloc(spec.valSize, 'v');
  const kv = conn.kv;
  switch (spec.workload) {
    case 'put':
      return {
        run: async (n) => {
          await unary(kv.put.bind(kv), etcdserverpb.PutRequest.fromPartial({ key: chooseKey(n), value }));
        },
        close: () => {},
      };
    case 'txn-put':
      return {
        run: async (n) => {
          const put = etcdserverpb.PutRequest.fromPartial({ key: chooseKey(n), value });
          await unary(kv.txn.bind(kv), etcdserverpb.TxnRequest.fromPartial({ success: [{ requestPut: put }] }));
        },
        close: () => {},
      };
    case 'range': {
      const request = etcdserverpb.RangeRequest.fromPartial({
        key: Buffer.from(spec.rangeKey),
        serializable: spec.consistency === 's',
      });
      return {
        run: async () => {
          await unary(kv.range.bind(kv), request);
        },
        close: () => {},
      };
    }
    case 'lease-keepalive':
      return leaseKeepAliveOperation(conn);
    case 'watch-latency':
      throw new Error('watch-latency has its own runner');
  }
}

/** Grants a lease, then each operation is one keep-alive round trip on the client's stream. */
async function leaseKeepAliveOperation(conn: Connection): Promise<ClientOperation> {
  const lease = conn.lease;
  const granted = await unary<etcdserverpb.LeaseGrantRequest, etcdserverpb.LeaseGrantResponse>(
    lease.leaseGrant.bind(lease),
    etcdserverpb.LeaseGrantRequest.fromPartial({ TTL: 60n }),
  );
  const stream: ClientDuplexStream<etcdserverpb.LeaseKeepAliveRequest, etcdserverpb.LeaseKeepAliveResponse> =
    lease.leaseKeepAlive();
  let pending: { resolve: () => void; reject: (err: Error) => void } | undefined;
  stream.on('data', () => {
    const waiter = pending;
    pending = undefined;
    waiter?.resolve();
  });
  stream.on('error', (err: Error) => {
    const waiter = pending;
    pending = undefined;
    waiter?.reject(err);
  });
  const request = etcdserverpb.LeaseKeepAliveRequest.fromPartial({ ID: granted.ID });
  return {
    run: () =>
      new Promise<void>((resolve, reject) => {
        pending = { resolve, reject };
        stream.write(request);
      }),
    close: () => stream.cancel(),
  };
}
