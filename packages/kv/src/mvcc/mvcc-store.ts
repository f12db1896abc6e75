import assert from 'node:assert';
import { type etcdserverpb, mvccpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { bucketKey, keyBucket } from './backend.js';
import type { HistoryEntry } from './history-log.js';
import { HistoryLog } from './history-log.js';
import { KeyHistory } from './key-history.js';
import { keySpan } from './key-range.js';
import { defaultMvccConfig, type LeaseAttachments, type MvccConfig, validateMvccConfig } from './mvcc-config.js';
import { checkDeleteRange, checkPut, checkRange, checkTxn } from './request-check.js';
import { encodeRevisionKey, type Revision } from './revision.js';
import { SortedMap } from './sorted-map.js';
import { hashRevisions } from './store-hash.js';
import { encodeInt64, metaCompactRevision, metaConsistentIndex, metaScheduledCompactRevision } from './store-meta.js';
import { responseHeader, StoreReader } from './store-reader.js';
import { restoreStore } from './store-restore.js';
import { planTxn, stampHeaders, type TxnPlan } from './txn-plan.js';
import type { WriteBuffer } from './write-buffer.js';

/** The events of one write txn, all at one revision, in sub-revision order. */
export interface RevisionEvents {
  readonly revision: bigint;
  readonly events: readonly mvccpb.Event[];
}

export type EventsListener = (batch: RevisionEvents) => void;

export interface MvccStoreOptions {
  readonly config?: MvccConfig;
  readonly leases?: LeaseAttachments;
}

interface WriteTxn {
  readonly beginRev: bigint;
  sub: number;
  readonly events: mvccpb.Event[];
}

/**
 * The MVCC key-value state machine (like etcd's mvcc store). Every method is synchronous and
 * deterministic; writes go to a WriteBuffer that the apply loop flushes as one batch together
 * with the consistentIndex. The key index lives in memory; values are read from the buffer.
 *
 * The apply loop, per round of committed entries:
 *   for each entry after store.consistentIndex(): store.put/deleteRange/txn/compact(...),
 *     or applyLeaseGrant/applyLeaseRevoke(...); then store.setConsistentIndex(entry.index)
 *   await store.flush()       // one atomic batch: effects, leases, consistentIndex
 *   hub.syncUnsynced()        // also on a timer, like etcd's 100 ms sync loop
 * Opening: backend -> new WriteBuffer(backend) -> new Lessor(new BufferLeaseSink(buffer),
 * await loadLeaseRecords(backend)) -> await MvccStore.open(buffer, { leases: lessor }) ->
 * new WatchHub(store).
 */
export class MvccStore {
  readonly index = new SortedMap<KeyHistory>();
  readonly history = new HistoryLog();
  private rev = 1n;
  private compactRev = -1n;
  private appliedIndex = 0n;
  private readonly listeners = new Set<EventsListener>();
  private readonly config: MvccConfig;
  private readonly reader: StoreReader;
  /** Backend keys of compacted revisions, deleted a chunk per flush. */
  private compactionDeletes: Buffer[] = [];
  private compactionHead = 0;

  private constructor(
    readonly buffer: WriteBuffer,
    private readonly leases: LeaseAttachments | undefined,
    config: MvccConfig,
  ) {
    this.config = validateMvccConfig(config);
    this.reader = new StoreReader(this.index, buffer, () => this.compactRev);
  }

  /** Opens the store over a buffer, rebuilding the index from what the backend holds. */
  static async open(buffer: WriteBuffer, options: MvccStoreOptions = {}): Promise<MvccStore> {
    const store = new MvccStore(buffer, options.leases, options.config ?? defaultMvccConfig());
    const restored = await restoreStore(buffer.backend, store.index, store.history, options.leases);
    store.rev = restored.currentRevision;
    store.compactRev = restored.compactRevision;
    store.appliedIndex = restored.consistentIndex;
    if (restored.scheduledCompactRevision > restored.compactRevision) {
      store.compactRev = -1n;
      store.compactIndex(restored.scheduledCompactRevision);
    }
    return store;
  }

  currentRevision(): bigint {
    return this.rev;
  }

  /** The last compaction revision, -1 before the first one. */
  compactRevision(): bigint {
    return this.compactRev;
  }

  /** The raft index of the last entry applied; the server resumes applying after it. */
  consistentIndex(): bigint {
    return this.appliedIndex;
  }

  /** Records that entries up to `index` are applied; written in the same batch as their effects. */
  setConsistentIndex(index: bigint): void {
    assert.ok(index >= this.appliedIndex, 'mvcc: consistent index must not go back');
    this.appliedIndex = index;
    this.buffer.put(metaConsistentIndex, encodeInt64(index));
  }

  /**
   * Writes everything applied since the last flush as one atomic batch, plus up to
   * compactionBatchMax of the revisions a compaction still has to delete physically.
   */
  flush(): Promise<void> {
    const end = Math.min(this.compactionDeletes.length, this.compactionHead + this.config.compactionBatchMax);
    if (end > this.compactionHead) {
      for (let i = this.compactionHead; i < end; i++) this.buffer.del(this.compactionDeletes[i] as Buffer);
      this.compactionHead = end;
      if (end === this.compactionDeletes.length) {
        this.compactionDeletes = [];
        this.compactionHead = 0;
        this.buffer.put(metaCompactRevision, encodeInt64(this.compactRev));
      }
    }
    return this.buffer.flush();
  }

  /** Compacted revisions not yet deleted from the backend (flush() deletes them in chunks). */
  compactionPending(): number {
    return this.compactionDeletes.length - this.compactionHead;
  }

  /** Calls `listener` after every write txn that changed something (listeners must not throw). */
  onEvents(listener: EventsListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  range(req: etcdserverpb.RangeRequest): etcdserverpb.RangeResponse {
    checkRange(req);
    return this.reader.range(req, this.rev);
  }

  put(req: etcdserverpb.PutRequest): etcdserverpb.PutResponse {
    checkPut(req);
    this.checkPutPreconditions(req, this.rev);
    const w = this.beginWrite();
    const resp = this.putIn(w, req);
    this.endWrite(w);
    resp.header = responseHeader(this.rev);
    return resp;
  }

  deleteRange(req: etcdserverpb.DeleteRangeRequest): etcdserverpb.DeleteRangeResponse {
    checkDeleteRange(req);
    const w = this.beginWrite();
    const resp = this.deleteIn(w, req);
    this.endWrite(w);
    resp.header = responseHeader(this.rev);
    return resp;
  }

  txn(req: etcdserverpb.TxnRequest): etcdserverpb.TxnResponse {
    checkTxn(req, this.config.maxTxnOps);
    const plan = planTxn(req, {
      revision: this.rev,
      compactRevision: this.compactRev,
      kvs: (span, main) => this.reader.kvs(span, main),
      checkPut: (put, main) => this.checkPutPreconditions(put, main),
    });
    const w = this.beginWrite();
    const resp = this.txnIn(w, req, plan);
    this.endWrite(w);
    stampHeaders(resp, this.rev);
    return resp;
  }

  /** Deletes the given keys in one revision (a lease revoke); returns the header revision. */
  deleteKeys(keys: readonly Buffer[]): bigint {
    const w = this.beginWrite();
    const sorted = [...keys].sort(Buffer.compare);
    for (const key of sorted) this.deleteIn(w, { key, rangeEnd: Buffer.alloc(0), prevKv: false });
    this.endWrite(w);
    return this.rev;
  }

  compact(req: etcdserverpb.CompactionRequest): etcdserverpb.CompactionResponse {
    if (req.revision <= this.compactRev) throw new KvError('Compacted');
    if (req.revision > this.rev) throw new KvError('FutureRev');
    this.buffer.put(metaScheduledCompactRevision, encodeInt64(req.revision));
    this.compactIndex(req.revision);
    return { header: responseHeader(this.rev) };
  }

  hashKV(revision: bigint): etcdserverpb.HashKVResponse {
    if (revision > this.rev) throw new KvError('FutureRev');
    if (revision > 0n && revision < this.compactRev) throw new KvError('Compacted');
    const at = revision <= 0n ? this.rev : revision;
    const hash = hashRevisions(this.index, at, (key) => this.buffer.get(key));
    return { header: responseHeader(this.rev), hash, compactRevision: this.compactRev, hashRevision: at };
  }

  /** The live KeyValue of `key` as of revision `main`, undefined if absent or compacted. */
  kvAt(key: Buffer, main: bigint): mvccpb.KeyValue | undefined {
    if (main < this.compactRev || main <= 0n) return undefined;
    const info = this.index.get(key.toString('latin1'))?.at(main);
    return info === undefined ? undefined : this.reader.readKv(info.rev);
  }

  /** History entries with revision >= fromMain, in revision order (do not write while iterating). */
  *historyFrom(fromMain: bigint): Generator<HistoryEntry> {
    for (let pos = this.history.seek(fromMain); ; pos++) {
      const entry = this.history.at(pos);
      if (entry === undefined) return;
      yield entry;
    }
  }

  /** The event a history entry stands for (without prevKv). */
  eventOf(entry: HistoryEntry): mvccpb.Event {
    if (entry.tombstone) {
      const kv = mvccpb.KeyValue.create({ key: Buffer.from(entry.key, 'latin1'), modRevision: entry.rev.main });
      return { type: mvccpb.Event_EventType.DELETE, kv, prevKv: undefined };
    }
    return { type: mvccpb.Event_EventType.PUT, kv: this.reader.readKv(entry.rev), prevKv: undefined };
  }

  private beginWrite(): WriteTxn {
    return { beginRev: this.rev, sub: 0, events: [] };
  }

  private viewOf(w: WriteTxn): bigint {
    return w.sub > 0 ? w.beginRev + 1n : w.beginRev;
  }

  private endWrite(w: WriteTxn): void {
    if (w.sub === 0) return;
    this.rev = w.beginRev + 1n;
    const batch: RevisionEvents = { revision: this.rev, events: w.events };
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (err) {
        // A throwing listener is a bug; it must crash the process, but not from inside the
        // apply path, where the write already happened and a throw would look like a failure.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  private nextRevision(w: WriteTxn): Revision {
    const rev = { main: w.beginRev + 1n, sub: w.sub };
    w.sub += 1;
    return rev;
  }

  private checkPutPreconditions(req: etcdserverpb.PutRequest, view: bigint): void {
    if (req.ignoreValue || req.ignoreLease) {
      if (this.index.get(req.key.toString('latin1'))?.at(view) === undefined) throw new KvError('KeyNotFound');
    }
    if (req.lease !== 0n && !(this.leases?.exists(req.lease) ?? false)) throw new KvError('LeaseNotFound');
  }

  private putIn(w: WriteTxn, req: etcdserverpb.PutRequest): etcdserverpb.PutResponse {
    let k = req.key.toString('latin1');
    let hist = this.index.get(k);
    // the history log keeps the key of every write: the index's string, not one per write
    if (hist !== undefined) k = this.index.keyOf(k) ?? k;
    const prevInfo = hist?.at(this.viewOf(w));
    const prevKv = prevInfo === undefined ? undefined : this.reader.readKv(prevInfo.rev);
    const rev = this.nextRevision(w);
    const kv: mvccpb.KeyValue = {
      key: Buffer.from(req.key),
      createRevision: prevInfo?.created ?? rev.main,
      modRevision: rev.main,
      version: prevInfo === undefined ? 1n : BigInt(prevInfo.version + 1),
      value: req.ignoreValue && prevKv !== undefined ? prevKv.value : Buffer.from(req.value),
      lease: req.ignoreLease && prevKv !== undefined ? prevKv.lease : req.lease,
    };
    this.buffer.put(
      bucketKey(keyBucket, encodeRevisionKey(rev, false)),
      Buffer.from(mvccpb.KeyValue.encode(kv).finish()),
    );
    if (hist === undefined) {
      hist = new KeyHistory();
      this.index.set(k, hist);
    }
    hist.put(rev);
    this.history.append(rev.main, rev.sub, k, false);
    w.events.push({ type: mvccpb.Event_EventType.PUT, kv, prevKv: undefined });
    const oldLease = prevKv?.lease ?? 0n;
    if (oldLease !== 0n && oldLease !== kv.lease && this.leases?.exists(oldLease)) this.leases.detach(oldLease, kv.key);
    if (kv.lease !== 0n) this.leases?.attach(kv.lease, kv.key);
    return { header: undefined, prevKv: req.prevKv ? prevKv : undefined };
  }

  private deleteIn(w: WriteTxn, req: etcdserverpb.DeleteRangeRequest): etcdserverpb.DeleteRangeResponse {
    const targets = this.reader.live(keySpan(req.key, req.rangeEnd), this.viewOf(w));
    const prevKvs: mvccpb.KeyValue[] = [];
    for (const { key, info } of targets) {
      const prev = this.reader.readKv(info.rev);
      const rev = this.nextRevision(w);
      const tomb = mvccpb.KeyValue.create({ key: prev.key, modRevision: rev.main });
      this.buffer.put(
        bucketKey(keyBucket, encodeRevisionKey(rev, true)),
        Buffer.from(mvccpb.KeyValue.encode(tomb).finish()),
      );
      (this.index.get(key) as KeyHistory).tombstone(rev);
      this.history.append(rev.main, rev.sub, key, true);
      w.events.push({ type: mvccpb.Event_EventType.DELETE, kv: tomb, prevKv: undefined });
      if (prev.lease !== 0n && this.leases?.exists(prev.lease)) this.leases.detach(prev.lease, prev.key);
      if (req.prevKv) prevKvs.push(prev);
    }
    return { header: undefined, deleted: BigInt(targets.length), prevKvs };
  }

  private txnIn(w: WriteTxn, req: etcdserverpb.TxnRequest, plan: TxnPlan): etcdserverpb.TxnResponse {
    const ops = plan.succeeded ? req.success : req.failure;
    const responses = ops.map((op, i): etcdserverpb.ResponseOp => {
      if (op.requestRange !== undefined) return { responseRange: this.reader.range(op.requestRange, this.viewOf(w)) };
      if (op.requestPut !== undefined) return { responsePut: this.putIn(w, op.requestPut) };
      if (op.requestDeleteRange !== undefined) return { responseDeleteRange: this.deleteIn(w, op.requestDeleteRange) };
      if (op.requestTxn !== undefined) {
        return { responseTxn: this.txnIn(w, op.requestTxn, plan.nested.get(i) as TxnPlan) };
      }
      return {};
    });
    return { header: undefined, succeeded: plan.succeeded, responses };
  }

  /**
   * Compacts the index at once (reads below `main` are refused from now on) and queues the
   * dropped revisions for physical deletion; the finished revision is recorded when the queue
   * is empty, so a restart in between resumes the compaction.
   */
  private compactIndex(main: bigint): void {
    this.compactRev = main;
    const forgotten: string[] = [];
    for (const [key, hist] of this.index.entries()) {
      const empty = hist.compact(main, (rev, tombstone) => {
        this.compactionDeletes.push(bucketKey(keyBucket, encodeRevisionKey(rev, tombstone)));
      });
      if (empty) forgotten.push(key);
    }
    for (const key of forgotten) this.index.delete(key);
    this.history.compactTo(main);
    if (this.compactionPending() === 0) this.buffer.put(metaCompactRevision, encodeInt64(main));
  }
}
