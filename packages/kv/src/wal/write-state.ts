// What a WAL writer must remember to validate the next write (shared by both implementations).

import { assert } from './assert.js';
import type { Entry, HardState } from './raft-types.js';
import { isU64BigInt, isU64Number } from './u64.js';
import { WalError } from './wal-errors.js';
import type { SnapshotMarker } from './wal-types.js';

export class WriteState {
  lastIndex: number;
  latestMarker: SnapshotMarker;
  hardState: HardState;

  constructor(lastIndex: number, latestMarker: SnapshotMarker, hardState: HardState) {
    this.lastIndex = lastIndex;
    this.latestMarker = latestMarker;
    this.hardState = hardState;
  }

  /** Throws WalError('invalid-argument' | 'record-too-large') for a batch no WAL should take. */
  validateSave(hardState: HardState | null, entries: readonly Entry[], maxEntryDataBytes: number): void {
    if (hardState !== null) validateHardState(hardState);
    let prev = -1;
    for (const e of entries) {
      if (!isU64Number(e.index) || e.index < 1 || !isU64Number(e.term) || !Number.isInteger(e.type)) {
        invalid(`entry (index ${e.index}, term ${e.term}, type ${e.type}) has a field out of range`);
      }
      if (e.type < 0 || e.type > 2) invalid(`entry ${e.index} has unknown type ${e.type}`);
      if (e.data.byteLength > maxEntryDataBytes) {
        throw new WalError(
          'record-too-large',
          `wal: entry ${e.index} data is ${e.data.byteLength} bytes, over the limit ${maxEntryDataBytes}`,
        );
      }
      if (prev !== -1 && e.index !== prev + 1) invalid(`entries not contiguous: ${e.index} follows ${prev}`);
      prev = e.index;
    }
    const first = entries[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex + 1) {
      invalid(`entry index ${first.index} leaves a gap after last index ${this.lastIndex}`);
    }
    if (first.index <= this.latestMarker.index) {
      invalid(`entry index ${first.index} is at or below the snapshot marker index ${this.latestMarker.index}`);
    }
  }

  validateMarker(marker: SnapshotMarker): void {
    if (!isU64Number(marker.index) || !isU64Number(marker.term)) {
      invalid(`snapshot marker (index ${marker.index}, term ${marker.term}) out of range`);
    }
    if (marker.index < this.latestMarker.index) {
      invalid(`snapshot marker index ${marker.index} is below the latest marker ${this.latestMarker.index}`);
    }
  }

  /** Records a durable save. */
  saved(hardState: HardState | null, entries: readonly Entry[]): void {
    const last = entries[entries.length - 1];
    if (last !== undefined) this.lastIndex = last.index;
    if (hardState !== null) this.hardState = hardState;
  }

  /** Records a durable marker. */
  marked(marker: SnapshotMarker): void {
    assert(marker.index >= this.latestMarker.index, 'snapshot markers only move forward');
    this.latestMarker = { index: marker.index, term: marker.term };
    if (marker.index > this.lastIndex) this.lastIndex = marker.index;
  }
}

export function validateHardState(h: HardState): void {
  if (!isU64Number(h.term) || !isU64Number(h.commit) || !isU64BigInt(h.vote)) {
    invalid(`hardState (term ${h.term}, vote ${h.vote}, commit ${h.commit}) out of range`);
  }
}

function invalid(message: string): never {
  throw new WalError('invalid-argument', `wal: ${message}`);
}
