import type { etcdserverpb } from '@coreos-ts/proto';
import type { WatchSink } from '../../src/watch/watcher.js';

/** A sink that records what it accepts and can be switched to refuse (a full stream). */
export class RecordingSink implements WatchSink {
  readonly got: etcdserverpb.WatchResponse[] = [];
  open = true;
  send(resp: etcdserverpb.WatchResponse): boolean {
    if (!this.open) return false;
    this.got.push(resp);
    return true;
  }
  /** Every event received, as "PUT a@5" strings. */
  events(): string[] {
    return this.got.flatMap((r) =>
      r.events.map((e) => `${e.type === 0 ? 'PUT' : 'DELETE'} ${e.kv?.key.toString()}@${e.kv?.modRevision}`),
    );
  }
}
