// The in-memory WAL: the same semantics as the file WAL (atomic saves, overwrite on replay,
// snapshot markers, release) over a record list that outlives "reopens". For tests of the
// server logic.

import { LogReplayer, type ReplayRecord } from './log-replayer.js';
import { type Entry, emptyHardState, type HardState } from './raft-types.js';
import { WalError, WalMetadataMismatchError } from './wal-errors.js';
import type { SnapshotMarker, Wal, WalMetadata, WalOpenExpectations, WalReplay } from './wal-types.js';
import { WriteState } from './write-state.js';

/** As the file WAL's default: a 10 MiB record less the entry header. */
const DEFAULT_MAX_ENTRY_DATA_BYTES = 10 * 1024 * 1024 - 24;

/** The "disk" of a memory WAL: hand the same store to `openMemoryWal` to reopen it. */
export class MemoryWalStore {
  readonly metadata: WalMetadata;
  /** lastIndexBefore: the log's last index just before the record, for replay after release. */
  records: Array<{ record: ReplayRecord; lastIndexBefore: number }> = [];
  open = false;

  constructor(metadata: WalMetadata) {
    this.metadata = metadata;
  }
}

export class MemoryWal implements Wal {
  private readonly store: MemoryWalStore;
  private readonly state: WriteState;
  private readonly maxEntryDataBytes: number;
  private closed = false;

  constructor(store: MemoryWalStore, state: WriteState, maxEntryDataBytes: number) {
    this.store = store;
    this.state = state;
    this.maxEntryDataBytes = maxEntryDataBytes;
  }

  async save(hardState: HardState | null, entries: readonly Entry[]): Promise<void> {
    this.check();
    if (hardState === null && entries.length === 0) return;
    this.state.validateSave(hardState, entries, this.maxEntryDataBytes);
    for (const e of entries) {
      const data = Uint8Array.from(e.data);
      this.append({ type: 'entry', entry: { term: e.term, index: e.index, type: e.type, data } });
      this.state.saved(null, [e]);
    }
    if (hardState !== null) this.append({ type: 'hardState', hardState: { ...hardState } });
    this.state.saved(hardState, []);
  }

  async saveSnapshotMarker(marker: SnapshotMarker): Promise<void> {
    this.check();
    this.state.validateMarker(marker);
    const m = { index: marker.index, term: marker.term };
    this.append({ type: 'snapshot', marker: m });
    this.state.marked(m);
  }

  async releaseTo(index: number): Promise<void> {
    this.check();
    const records = this.store.records;
    let markerAt = -1;
    records.forEach((r, i) => {
      if (r.record.type === 'snapshot' && r.record.marker.index <= index) markerAt = i;
    });
    const marker = records[markerAt]?.record;
    if (marker === undefined || marker.type !== 'snapshot') return;
    // Keep the marker and the live entries after it (see FileWal.firstSegmentToKeep).
    let entriesAt = 0;
    records.forEach((r, i) => {
      if (r.lastIndexBefore <= marker.marker.index) entriesAt = i;
    });
    const keep = Math.min(markerAt, entriesAt);
    if (keep <= 0) return;
    const kept = this.store.records.slice(keep);
    // The newest HardState may sit in the released prefix: carry it over, as each file segment does.
    const dropped = this.store.records.slice(0, keep).filter((r) => r.record.type === 'hardState');
    const carried = dropped[dropped.length - 1];
    const lastIndexBefore = kept[0]?.lastIndexBefore ?? 0;
    this.store.records = carried === undefined ? kept : [{ record: carried.record, lastIndexBefore }, ...kept];
  }

  lastIndex(): number {
    return this.state.lastIndex;
  }

  async close(): Promise<void> {
    this.check();
    this.closed = true;
    this.store.open = false;
  }

  private append(record: ReplayRecord): void {
    this.store.records.push({ record, lastIndexBefore: this.state.lastIndex });
  }

  private check(): void {
    if (this.closed) throw new WalError('closed', 'wal: closed');
  }
}

export function createMemoryWal(
  metadata: WalMetadata,
  maxEntryDataBytes = DEFAULT_MAX_ENTRY_DATA_BYTES,
): {
  wal: MemoryWal;
  store: MemoryWalStore;
} {
  const store = new MemoryWalStore(metadata);
  const marker = { index: 0, term: 0 };
  store.records.push({ record: { type: 'snapshot', marker }, lastIndexBefore: 0 });
  store.open = true;
  return { wal: new MemoryWal(store, new WriteState(0, marker, emptyHardState), maxEntryDataBytes), store };
}

export async function openMemoryWal(
  store: MemoryWalStore,
  expect: WalOpenExpectations = {},
  maxEntryDataBytes = DEFAULT_MAX_ENTRY_DATA_BYTES,
): Promise<{ wal: MemoryWal; replay: WalReplay }> {
  if (store.open) throw new WalError('invalid-argument', 'wal: memory wal store is already open');
  const replayer = new LogReplayer(expect.snapshot ?? null);
  replayer.startSegment((store.records[0]?.lastIndexBefore ?? 0) + 1);
  replayer.apply({ type: 'metadata', metadata: store.metadata });
  for (const r of store.records) replayer.apply(r.record);
  const replay = replayer.result();
  const want = expect.metadata;
  if (
    want !== undefined &&
    (want.clusterId !== store.metadata.clusterId || want.memberId !== store.metadata.memberId)
  ) {
    throw new WalMetadataMismatchError(want, store.metadata);
  }
  store.open = true;
  const state = new WriteState(replayer.lastIndex(), replayer.latestMarker(), replay.hardState);
  return { wal: new MemoryWal(store, state, maxEntryDataBytes), replay };
}
