import { etcdserverpb, mvccpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import type { MvccStore, RevisionEvents } from '../mvcc/mvcc-store.js';
import { defaultWatchConfig, validateWatchConfig, type WatchConfig } from './watch-config.js';
import { type Pending, Watcher, type WatchOptions, type WatchSink } from './watcher.js';

export interface WatchHubStats {
  readonly synced: number;
  readonly unsynced: number;
  readonly pendingEvents: number;
}

/**
 * Fans the store's writes out to watchers (like etcd's watchableStore). A synced watcher gets
 * each write revision's matching events as one response, in order, exactly once. A watcher
 * that starts in the past, or whose sink stayed full past `pendingEventsMax`, is unsynced: it
 * catches up from the store's history in bounded chunks (`syncUnsynced`, `resume`) and then
 * becomes synced again. A watcher whose next revision was compacted away gets a response with
 * compact_revision set and canceled, and is removed.
 */
export class WatchHub {
  private readonly watchers = new Map<number, Watcher>();
  /** Single-key watchers by key, so a write only looks at the watchers of its key... */
  private readonly keyWatchers = new Map<string, Set<Watcher>>();
  /** ...and at the range watchers. */
  private readonly rangeWatchers = new Set<Watcher>();
  private readonly unsynced = new Set<Watcher>();
  private nextId = 1;
  private readonly config: WatchConfig;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly store: MvccStore,
    config: WatchConfig = defaultWatchConfig(),
  ) {
    this.config = validateWatchConfig(config);
    this.unsubscribe = store.onEvents((batch) => this.notify(batch));
  }

  /** Registers a watcher; returns its hub id. Call syncUnsynced() to start a catch-up. */
  watch(options: WatchOptions, sink: WatchSink): number {
    if (this.watchers.size >= this.config.watchersMax) throw new KvError('TooManyRequests');
    const id = this.nextId++;
    const w = new Watcher(id, options, sink, this.store.currentRevision());
    this.watchers.set(id, w);
    this.setSynced(w, w.nextRev > this.store.currentRevision());
    if (w.span.single) {
      let set = this.keyWatchers.get(w.span.from);
      if (set === undefined) {
        set = new Set();
        this.keyWatchers.set(w.span.from, set);
      }
      set.add(w);
    } else {
      this.rangeWatchers.add(w);
    }
    return id;
  }

  cancel(id: number): boolean {
    const w = this.watchers.get(id);
    if (w === undefined) return false;
    this.watchers.delete(id);
    this.unsynced.delete(w);
    if (w.span.single) {
      const set = this.keyWatchers.get(w.span.from);
      set?.delete(w);
      if (set?.size === 0) this.keyWatchers.delete(w.span.from);
    } else {
      this.rangeWatchers.delete(w);
    }
    return true;
  }

  isSynced(id: number): boolean {
    const w = this.watchers.get(id);
    return w?.synced === true && w.queue.length === 0;
  }

  stats(): WatchHubStats {
    let pendingEvents = 0;
    for (const w of this.watchers.values()) pendingEvents += w.queuedEvents;
    const unsynced = this.unsynced.size;
    return { synced: this.watchers.size - unsynced, unsynced, pendingEvents };
  }

  /** Sends a progress notification (the current revision, no events) if the watcher is caught up. */
  progress(id: number): boolean {
    const w = this.watchers.get(id);
    if (w === undefined || !this.isSynced(id)) return false;
    this.offer(w, { resp: w.response(this.store.currentRevision(), []), fromRev: undefined });
    return true;
  }

  /** Progress notifications for every caught-up watcher created with progress_notify. */
  notifyProgress(): number {
    let sent = 0;
    for (const w of this.watchers.values()) {
      if (w.progressNotify && this.progress(w.id)) sent += 1;
    }
    return sent;
  }

  /** The sink of `id` has room again: retry what is queued, then catch up if unsynced. */
  resume(id: number): void {
    const w = this.watchers.get(id);
    if (w === undefined) return;
    this.drain(w);
    if (!w.synced && w.queue.length === 0) this.catchUp(w);
  }

  /** One bounded catch-up step for every unsynced watcher; returns how many are still unsynced. */
  syncUnsynced(): number {
    for (const w of [...this.unsynced]) this.resume(w.id);
    return this.unsynced.size;
  }

  close(): void {
    this.unsubscribe();
    this.watchers.clear();
    this.unsynced.clear();
    this.keyWatchers.clear();
    this.rangeWatchers.clear();
  }

  private setSynced(w: Watcher, synced: boolean): void {
    w.synced = synced;
    if (synced) this.unsynced.delete(w);
    else this.unsynced.add(w);
  }

  private notify(batch: RevisionEvents): void {
    const matched = new Map<Watcher, mvccpb.Event[]>();
    const consider = (w: Watcher, key: string, ev: mvccpb.Event, kv: mvccpb.KeyValue) => {
      // a synced watcher's nextRev only matters for a start revision still in the future
      if (!w.synced || batch.revision < w.nextRev || !w.wants(key, ev.type)) return;
      let list = matched.get(w);
      if (list === undefined) {
        list = [];
        matched.set(w, list);
      }
      list.push(w.prevKv ? { ...ev, prevKv: this.store.kvAt(kv.key, batch.revision - 1n) } : ev);
    };
    for (const ev of batch.events) {
      const kv = ev.kv;
      if (kv === undefined) continue;
      const key = kv.key.toString('latin1');
      for (const w of this.keyWatchers.get(key) ?? []) consider(w, key, ev, kv);
      for (const w of this.rangeWatchers) consider(w, key, ev, kv);
    }
    for (const [w, events] of matched) {
      this.offer(w, { resp: w.response(batch.revision, events), fromRev: batch.revision });
    }
  }

  /** Sends now if nothing is queued and the sink takes it; else queues, within the bound. */
  private offer(w: Watcher, item: Pending): void {
    if (w.queue.length === 0 && w.sink.send(item.resp)) return;
    const events = item.resp.events.length;
    if (w.queuedEvents + events > this.config.pendingEventsMax) {
      this.fallBehind(w, item);
      return;
    }
    w.queue.push(item);
    w.queuedEvents += events;
  }

  /** Drops the queue and re-reads it from history: the watcher becomes unsynced. */
  private fallBehind(w: Watcher, item: Pending): void {
    const first = [...w.queue, item].find((p) => p.fromRev !== undefined)?.fromRev;
    w.queue.length = 0;
    w.queuedEvents = 0;
    if (first !== undefined) {
      w.nextRev = first;
      this.setSynced(w, false);
    }
  }

  private drain(w: Watcher): void {
    while (w.queue.length > 0) {
      const head = w.queue[0] as Pending;
      if (!w.sink.send(head.resp)) return;
      w.queue.shift();
      w.queuedEvents -= head.resp.events.length;
    }
  }

  /** Reads the next chunk of history for an unsynced watcher whose queue is empty. */
  private catchUp(w: Watcher): void {
    const current = this.store.currentRevision();
    const compacted = this.store.compactRevision();
    if (w.nextRev < compacted) {
      const notice = etcdserverpb.WatchResponse.create({
        header: { revision: current },
        watchId: w.watchId,
        compactRevision: compacted,
        canceled: true,
      });
      // the notice is the watcher's last word: drop the watcher only once the sink took it
      if (w.sink.send(notice)) this.cancel(w.id);
      return;
    }
    const events: mvccpb.Event[] = [];
    let scanned = 0;
    let lastScanned: bigint | undefined;
    let doneThrough = current; // every revision up to here has been looked at
    for (const entry of this.store.historyFrom(w.nextRev)) {
      const overBudget = scanned >= this.config.catchUpScanMax || events.length >= this.config.catchUpEventsMax;
      // stop only between revisions: one revision's events always travel together
      if (overBudget && lastScanned !== undefined && entry.rev.main !== lastScanned) {
        doneThrough = lastScanned;
        break;
      }
      scanned += 1;
      lastScanned = entry.rev.main;
      if (!w.wants(entry.key, entry.tombstone ? mvccpb.Event_EventType.DELETE : mvccpb.Event_EventType.PUT)) continue;
      const ev = this.store.eventOf(entry);
      const key = Buffer.from(entry.key, 'latin1');
      events.push(w.prevKv ? { ...ev, prevKv: this.store.kvAt(key, entry.rev.main - 1n) } : ev);
    }
    if (events.length > 0 && !w.sink.send(w.response(current, events))) return;
    w.nextRev = doneThrough + 1n;
    if (w.nextRev > current) this.setSynced(w, true);
  }
}
