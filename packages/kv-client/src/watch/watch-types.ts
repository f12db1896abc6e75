import type { Header, KeyValue } from '../kv-types.js';

export interface WatchEvent {
  type: 'put' | 'delete';
  kv: KeyValue;
  /** The key before this event, when the watch asked for prevKv. */
  prevKv: KeyValue | undefined;
}

/** Events delivered together: one or more whole revisions, in order. */
export interface WatchBatch {
  /** The server's header when it sent the batch (revision: the store's revision then). */
  header: Header;
  events: WatchEvent[];
}

export type WatchFilter = 'noPut' | 'noDelete';

export interface WatchOptions {
  prefix?: boolean;
  fromKey?: boolean;
  rangeEnd?: string | Buffer;
  /** First revision to deliver; absent: changes after the watch is created. */
  startRevision?: number | bigint;
  prevKv?: boolean;
  filters?: WatchFilter[];
  /** Ask the server for periodic progress notifications (empty batches). */
  progressNotify?: boolean;
  signal?: AbortSignal;
}
