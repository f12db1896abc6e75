/**
 * A local copy of every key under one prefix, kept current by a watch that starts right after
 * the listing's revision (so nothing is missed). When the watch cannot go on (kv unreachable for
 * longer than the client's reconnect window, or its revision compacted), the prefix is listed
 * again with back-off; until a listing succeeds the last known copy stays in place, so whoever
 * reads the mirror keeps acting on what it last knew rather than on nothing.
 */
import type { Logger } from '@coreos-ts/grpc-kit';
import type { KeyValue, KvClient } from '@coreos-ts/kv-client';
import { pause } from './wakeup.js';

export interface KvMirrorOptions {
  readonly client: KvClient;
  readonly prefix: string;
  readonly logger: Logger;
  /**
   * Called after the listing (`changed` undefined: everything may have changed) and after every
   * watch batch (`changed`: the full keys it touched).
   */
  readonly onChange: (changed?: readonly string[]) => void;
  readonly retryMs: number;
}

export class KvMirror {
  /** Full key -> value, as of `revision`. */
  readonly entries = new Map<string, KeyValue>();
  revision = 0n;
  private loaded = false;
  private markReady!: () => void;
  /** Resolves once the first listing has arrived. */
  readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });

  constructor(private readonly options: KvMirrorOptions) {}

  get isReady(): boolean {
    return this.loaded;
  }

  /** Keys under the prefix with the prefix removed, and their values. */
  *items(): Generator<[string, KeyValue]> {
    const n = this.options.prefix.length;
    for (const [key, kv] of this.entries) yield [key.slice(n), kv];
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const { client, prefix, logger } = this.options;
    while (!signal.aborted) {
      try {
        const listed = await client.get(prefix, { prefix: true, signal });
        this.entries.clear();
        for (const kv of listed.kvs) this.entries.set(kv.keyString, kv);
        this.revision = listed.header.revision;
        this.loaded = true;
        this.markReady();
        this.options.onChange();
        const watch = client.watch(prefix, { prefix: true, startRevision: listed.header.revision + 1n, signal });
        for await (const batch of watch) {
          const changed: string[] = [];
          for (const event of batch.events) {
            const key = event.kv.keyString;
            if (event.type === 'put') this.entries.set(key, event.kv);
            else this.entries.delete(key);
            changed.push(key);
            this.revision = event.kv.modRevision;
          }
          this.options.onChange(changed);
        }
      } catch (err) {
        if (signal.aborted) return;
        logger.warn({ prefix, err: (err as Error).message }, 'mirror lost its watch; listing again');
        await pause(this.options.retryMs, signal);
      }
    }
  }
}
