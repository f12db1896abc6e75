import { etcdserverpb } from '@coreos-ts/proto';
import { status } from '@grpc/grpc-js';
import type { Attempt, CallOptions, CallRunner } from './call-runner.js';
import { type Header, toHeader } from './kv-types.js';

export interface LeaseGrantResult {
  header: Header;
  id: bigint;
  ttlSeconds: bigint;
}

export interface LeaseTimeToLiveResult {
  header: Header;
  id: bigint;
  /** Remaining seconds; -1 when the lease does not exist (etcd answers so rather than failing). */
  ttlSeconds: bigint;
  grantedTtlSeconds: bigint;
  keys: Buffer[];
}

export interface LeaseKeepAliveResult {
  header: Header;
  id: bigint;
  /** The renewed TTL; 0 when the lease no longer exists. */
  ttlSeconds: bigint;
}

const L = etcdserverpb.LeaseService;

/** Leases: grant, revoke, inspect, renew. Keep-alives are retry-safe and fail over. */
export class LeaseApi {
  constructor(private readonly runner: CallRunner) {}

  async grant(ttlSeconds: number | bigint, options: CallOptions & { id?: bigint } = {}): Promise<LeaseGrantResult> {
    const response = await this.runner.unary(
      L.leaseGrant,
      { TTL: BigInt(ttlSeconds), ID: options.id ?? 0n },
      { ...options, mutating: true },
    );
    return { header: toHeader(response.header), id: response.ID, ttlSeconds: response.TTL };
  }

  async revoke(id: bigint, options: CallOptions = {}): Promise<Header> {
    const response = await this.runner.unary(L.leaseRevoke, { ID: id }, { ...options, mutating: true });
    return toHeader(response.header);
  }

  async timeToLive(id: bigint, options: CallOptions & { keys?: boolean } = {}): Promise<LeaseTimeToLiveResult> {
    const response = await this.runner.unary(
      L.leaseTimeToLive,
      { ID: id, keys: options.keys ?? false },
      { ...options, mutating: false },
    );
    return {
      header: toHeader(response.header),
      id: response.ID,
      ttlSeconds: response.TTL,
      grantedTtlSeconds: response.grantedTTL,
      keys: response.keys,
    };
  }

  async leases(options: CallOptions = {}): Promise<{ header: Header; ids: bigint[] }> {
    const response = await this.runner.unary(L.leaseLeases, {}, { ...options, mutating: false });
    return { header: toHeader(response.header), ids: response.leases.map((lease) => lease.ID) };
  }

  /** One renewal over a short-lived keep-alive stream (like `etcdctl lease keep-alive --once`). */
  keepAliveOnce(id: bigint, options: CallOptions = {}): Promise<LeaseKeepAliveResult> {
    return this.runner.run({ ...options, mutating: false }, (attempt) => keepAliveOnce(attempt, id));
  }
}

function keepAliveOnce(attempt: Attempt, id: bigint): Promise<LeaseKeepAliveResult> {
  return new Promise((resolve, reject) => {
    const call = attempt.endpoint.client.makeBidiStreamRequest(
      L.leaseKeepAlive.path,
      L.leaseKeepAlive.requestSerialize,
      L.leaseKeepAlive.responseDeserialize,
      attempt.metadata,
      { deadline: attempt.deadline },
    );
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      attempt.signal?.removeEventListener('abort', onAbort);
      fn();
      call.cancel();
    };
    const onAbort = (): void => call.cancel();
    attempt.signal?.addEventListener('abort', onAbort, { once: true });
    call.on('data', (response: etcdserverpb.LeaseKeepAliveResponse) => {
      finish(() => resolve({ header: toHeader(response.header), id: response.ID, ttlSeconds: response.TTL }));
    });
    call.on('error', (err) => finish(() => reject(err)));
    call.on('end', () =>
      finish(() => reject({ code: status.UNAVAILABLE, details: 'keep-alive stream ended without an answer' })),
    );
    call.write({ ID: id });
  });
}
