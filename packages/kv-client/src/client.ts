import type { Logger } from '@coreos-ts/grpc-kit';
import { etcdserverpb } from '@coreos-ts/proto';
import { AuthApi, PasswordTokens } from './auth.js';
import type { Bytes } from './bytes.js';
import { type CallOptions, CallRunner } from './call-runner.js';
import { ClusterApi } from './cluster.js';
import { type ClientConfig, type ClientOptions, validateClientConfig } from './config.js';
import { EndpointPool } from './endpoint-pool.js';
import { deleteRequest, putRequest, rangeRequest } from './kv-requests.js';
import {
  type DeleteOptions,
  type DeleteResult,
  type Header,
  type KeyValue,
  type PutOptions,
  type PutResult,
  type RangeOptions,
  type RangeResult,
  toDeleteResult,
  toHeader,
  toPutResult,
  toRangeResult,
} from './kv-types.js';
import { LeaseApi } from './lease.js';
import { MaintenanceApi } from './maintenance.js';
import { TxnBuilder, type TxnResult, toTxnResult } from './txn.js';
import { WatchHub } from './watch/watch-hub.js';
import type { WatchOptions } from './watch/watch-types.js';
import type { Watcher } from './watch/watcher.js';

const KV = etcdserverpb.KVService;

/**
 * A client for an etcd v3 API cluster (etcd itself or kvd). Reads, keep-alives and watches fail
 * over between endpoints; writes are sent once and never retried after sending.
 */
export class KvClient {
  readonly config: ClientConfig;
  readonly lease: LeaseApi;
  readonly cluster: ClusterApi;
  readonly maintenance: MaintenanceApi;
  readonly auth: AuthApi;
  private readonly runner: CallRunner;
  private readonly pool: EndpointPool;
  private readonly watches: WatchHub;
  readonly log: Logger;

  constructor(options: ClientOptions) {
    this.config = validateClientConfig(options);
    this.log = this.config.logger;
    this.pool = new EndpointPool(this.config);
    this.runner = new CallRunner(this.config, this.pool);
    if (this.config.auth) this.runner.tokens = new PasswordTokens(this.runner, this.config.auth, this.log);
    this.lease = new LeaseApi(this.runner);
    this.cluster = new ClusterApi(this.runner);
    this.maintenance = new MaintenanceApi(this.runner);
    this.auth = new AuthApi(this.runner);
    this.watches = new WatchHub(this.config, this.runner, this.log);
  }

  get endpoints(): string[] {
    return this.pool.endpoints.map((e) => e.url);
  }

  async get(key: Bytes, options: RangeOptions & CallOptions = {}): Promise<RangeResult> {
    const response = await this.runner.unary(KV.range, rangeRequest(key, options), {
      ...callOptions(options),
      mutating: false,
    });
    return toRangeResult(response);
  }

  /** The single key's entry, or undefined. */
  async getKv(
    key: Bytes,
    options: CallOptions & { revision?: number | bigint; serializable?: boolean } = {},
  ): Promise<KeyValue | undefined> {
    return (await this.get(key, options)).kvs[0];
  }

  /** The single key's value as UTF-8 text, or undefined. */
  async getString(key: Bytes, options: CallOptions = {}): Promise<string | undefined> {
    return (await this.getKv(key, options))?.valueString;
  }

  async put(key: Bytes, value: Bytes, options: PutOptions & CallOptions = {}): Promise<PutResult> {
    const response = await this.runner.unary(KV.put, putRequest(key, value, options), {
      ...callOptions(options),
      mutating: true,
    });
    return toPutResult(response);
  }

  async delete(key: Bytes, options: DeleteOptions & CallOptions = {}): Promise<DeleteResult> {
    const response = await this.runner.unary(KV.deleteRange, deleteRequest(key, options), {
      ...callOptions(options),
      mutating: true,
    });
    return toDeleteResult(response);
  }

  /** A transaction builder: `.if(...).andThen(...).orElse(...).commit()`. */
  txn(): TxnBuilder {
    return new TxnBuilder(async (request, options) => {
      const mutating = [...request.success, ...request.failure].some((op) => op.requestRange === undefined);
      return toTxnResult(await this.runner.unary(KV.txn, request, { ...callOptions(options), mutating }));
    });
  }

  async txnRaw(request: etcdserverpb.TxnRequest, options: CallOptions = {}): Promise<TxnResult> {
    return toTxnResult(await this.runner.unary(KV.txn, request, { ...callOptions(options), mutating: true }));
  }

  /** Discards history below `revision`; `physical` waits until it is gone from disk. */
  async compact(revision: number | bigint, options: CallOptions & { physical?: boolean } = {}): Promise<Header> {
    const response = await this.runner.unary(
      KV.compact,
      { revision: BigInt(revision), physical: options.physical ?? false },
      { ...callOptions(options), mutating: true },
    );
    return toHeader(response.header);
  }

  /**
   * Watches a key or range: `for await (const batch of client.watch(k, { prefix: true }))`.
   * Survives member failures (resumes from the next undelivered revision on another member);
   * throws CompactedError if that revision is gone. Stop it with `.cancel()`, `break`, or `signal`.
   */
  watch(key: Bytes, options: WatchOptions = {}): Watcher {
    return this.watches.watch(key, options);
  }

  close(): void {
    if (this.runner.isClosed) return;
    this.runner.close();
    this.watches.close();
    this.pool.close();
  }
}

function callOptions(options: CallOptions): CallOptions {
  const picked: CallOptions = {};
  if (options.timeoutMs !== undefined) picked.timeoutMs = options.timeoutMs;
  if (options.signal !== undefined) picked.signal = options.signal;
  return picked;
}
