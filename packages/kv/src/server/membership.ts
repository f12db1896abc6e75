import { type etcdserverpb, kvpb } from '@coreos-ts/proto';
import { type Backend, bucketKey, bucketRange } from '../mvcc/backend.js';
import type { WriteBuffer } from '../mvcc/write-buffer.js';

/** Members of the cluster, persisted in the backend's member bucket in the apply batches. */
const memberBucket = 0x63; // 'c'
const removedBucket = 0x72; // 'r'

function idKey(bucket: number, id: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(id);
  return bucketKey(bucket, b);
}

export class Membership {
  private readonly members = new Map<bigint, kvpb.MemberInfo>();
  private readonly removed = new Set<bigint>();

  private constructor(private readonly buffer: WriteBuffer) {}

  static async load(buffer: WriteBuffer): Promise<Membership> {
    const m = new Membership(buffer);
    await m.reload(buffer.backend);
    return m;
  }

  /** Re-reads everything from the backend (after a snapshot was installed). */
  async reload(backend: Backend): Promise<void> {
    this.members.clear();
    this.removed.clear();
    for await (const [, value] of backend.entries(bucketRange(memberBucket))) {
      const info = kvpb.MemberInfo.decode(value);
      this.members.set(info.id, info);
    }
    for await (const [key] of backend.entries(bucketRange(removedBucket))) {
      this.removed.add(key.readBigUInt64BE(1));
    }
  }

  get(id: bigint): kvpb.MemberInfo | undefined {
    return this.members.get(id);
  }

  isRemoved(id: bigint): boolean {
    return this.removed.has(id);
  }

  ids(): bigint[] {
    return [...this.members.keys()];
  }

  /** Adds or replaces a member (a conf change AddNode/AddLearnerNode, or a learner promoted). */
  set(info: kvpb.MemberInfo): void {
    const existing = this.members.get(info.id);
    const merged = kvpb.MemberInfo.fromPartial({
      ...info,
      name: info.name || existing?.name || '',
      clientUrls: info.clientUrls.length > 0 ? info.clientUrls : (existing?.clientUrls ?? []),
    });
    this.members.set(info.id, merged);
    this.buffer.put(idKey(memberBucket, info.id), Buffer.from(kvpb.MemberInfo.encode(merged).finish()));
  }

  remove(id: bigint): void {
    this.members.delete(id);
    this.removed.add(id);
    this.buffer.del(idKey(memberBucket, id));
    this.buffer.put(idKey(removedBucket, id), Buffer.alloc(0));
  }

  setAttributes(id: bigint, name: string, clientUrls: string[]): void {
    const m = this.members.get(id);
    if (!m) return;
    this.set({ ...m, name, clientUrls });
  }

  /** etcd's Member messages, ordered by ID as etcd lists them. */
  list(): etcdserverpb.Member[] {
    return [...this.members.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((m) => ({
        ID: m.id,
        name: m.name,
        peerURLs: m.peerUrls,
        clientURLs: m.clientUrls,
        isLearner: m.isLearner,
      }));
  }
}
