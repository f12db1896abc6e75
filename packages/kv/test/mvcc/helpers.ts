import { etcdserverpb } from '@coreos-ts/proto';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import type { LeaseAttachments } from '../../src/mvcc/mvcc-config.js';
import { MvccStore } from '../../src/mvcc/mvcc-store.js';
import { WriteBuffer } from '../../src/mvcc/write-buffer.js';

export const b = (s: string): Buffer => Buffer.from(s);

export async function memoryStore(leases?: LeaseAttachments): Promise<MvccStore> {
  const buffer = new WriteBuffer(new MemoryBackend());
  return MvccStore.open(buffer, leases === undefined ? {} : { leases });
}

export function put(store: MvccStore, key: string, value: string, extra: Partial<etcdserverpb.PutRequest> = {}) {
  return store.put(etcdserverpb.PutRequest.create({ key: b(key), value: b(value), ...extra }));
}

export function del(store: MvccStore, key: string, rangeEnd = '', prevKv = false) {
  return store.deleteRange(etcdserverpb.DeleteRangeRequest.create({ key: b(key), rangeEnd: b(rangeEnd), prevKv }));
}

export function get(store: MvccStore, key: string, extra: Partial<etcdserverpb.RangeRequest> = {}) {
  return store.range(etcdserverpb.RangeRequest.create({ key: b(key), ...extra }));
}

export function keysOf(resp: etcdserverpb.RangeResponse): string[] {
  return resp.kvs.map((kv) => kv.key.toString());
}

/** A fake lease registry: a set of live ids and the keys attached to each. */
export class FakeLeases implements LeaseAttachments {
  readonly attached = new Map<bigint, Set<string>>();
  constructor(ids: bigint[]) {
    for (const id of ids) this.attached.set(id, new Set());
  }
  exists(id: bigint): boolean {
    return this.attached.has(id);
  }
  attach(id: bigint, key: Buffer): void {
    this.attached.get(id)?.add(key.toString());
  }
  detach(id: bigint, key: Buffer): void {
    this.attached.get(id)?.delete(key.toString());
  }
}
