/**
 * A read-only walker over a bbolt database file (what etcd's backend and its snapshots are),
 * enough for `snapshot status`: the top-level buckets and their key/value pairs in key order.
 * Layout: two meta pages (0 and 1), then B+tree pages; all integers little-endian.
 */

const MAGIC = 0xed0cdaed;
const PAGE_HEADER_BYTES = 16;
const ELEMENT_BYTES = 16;
const BRANCH_PAGE = 0x01;
const LEAF_PAGE = 0x02;
const META_PAGE = 0x04;
const BUCKET_LEAF = 0x01;

export class BoltFormatError extends Error {}

export interface BoltMeta {
  pageSize: number;
  rootPage: bigint;
  /** High-water mark: pages in use; pageSize * highWaterPages is bbolt's tx.Size(). */
  highWaterPages: bigint;
  txid: bigint;
}

export interface BoltEntry {
  key: Buffer;
  /** undefined for a nested bucket. */
  value: Buffer | undefined;
}

function fnv64a(bytes: Buffer): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of bytes) {
    hash ^= BigInt(byte);
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return hash;
}

function readMeta(file: Buffer, offset: number): BoltMeta | undefined {
  if (file.length < offset + PAGE_HEADER_BYTES + 64) return undefined;
  const flags = file.readUInt16LE(offset + 8);
  const meta = offset + PAGE_HEADER_BYTES;
  if ((flags & META_PAGE) === 0 || file.readUInt32LE(meta) !== MAGIC) return undefined;
  const checksum = file.readBigUInt64LE(meta + 56);
  if (fnv64a(file.subarray(meta, meta + 56)) !== checksum) return undefined;
  return {
    pageSize: file.readUInt32LE(meta + 8),
    rootPage: file.readBigUInt64LE(meta + 16),
    highWaterPages: file.readBigUInt64LE(meta + 40),
    txid: file.readBigUInt64LE(meta + 48),
  };
}

/** The newer of the two valid meta pages. */
export function boltMeta(file: Buffer): BoltMeta {
  const first = readMeta(file, 0);
  const pageSize = first?.pageSize ?? 4096;
  const second = readMeta(file, pageSize);
  const metas = [first, second].filter((m): m is BoltMeta => m !== undefined);
  if (metas.length === 0) throw new BoltFormatError('not a bbolt database (no valid meta page)');
  return metas.reduce((a, b) => (b.txid > a.txid ? b : a));
}

/** Every element of the tree rooted at `page` (a page in the file, or an inline page in a buffer), in key order. */
function* walk(
  file: Buffer,
  pageSize: number,
  page: Buffer,
  depth = 0,
): Generator<{ flags: number; key: Buffer; value: Buffer }> {
  if (depth > 64) throw new BoltFormatError('bbolt tree too deep (corrupt file?)');
  const flags = page.readUInt16LE(8);
  const count = page.readUInt16LE(10);
  for (let i = 0; i < count; i++) {
    const element = PAGE_HEADER_BYTES + i * ELEMENT_BYTES;
    if ((flags & BRANCH_PAGE) !== 0) {
      const child = Number(page.readBigUInt64LE(element + 8));
      yield* walk(file, pageSize, pageAt(file, pageSize, child), depth + 1);
    } else if ((flags & LEAF_PAGE) !== 0) {
      const elementFlags = page.readUInt32LE(element);
      const pos = page.readUInt32LE(element + 4);
      const keySize = page.readUInt32LE(element + 8);
      const valueSize = page.readUInt32LE(element + 12);
      const keyStart = element + pos;
      yield {
        flags: elementFlags,
        key: page.subarray(keyStart, keyStart + keySize),
        value: page.subarray(keyStart + keySize, keyStart + keySize + valueSize),
      };
    } else {
      throw new BoltFormatError(`unexpected page flags 0x${flags.toString(16)}`);
    }
  }
}

function pageAt(file: Buffer, pageSize: number, id: number): Buffer {
  const start = id * pageSize;
  if (start + PAGE_HEADER_BYTES > file.length) throw new BoltFormatError(`page ${id} beyond the end of the file`);
  const overflow = file.readUInt32LE(start + 12);
  return file.subarray(start, Math.min(file.length, start + (overflow + 1) * pageSize));
}

/** The root page of a bucket given its value in the parent (inline buckets carry their page). */
function bucketRoot(file: Buffer, pageSize: number, value: Buffer): Buffer {
  const root = value.readBigUInt64LE(0);
  if (root === 0n) return value.subarray(16);
  return pageAt(file, pageSize, Number(root));
}

/** Top-level buckets in order, each with its entries in key order. */
export function* boltBuckets(file: Buffer): Generator<{ name: Buffer; entries: () => Generator<BoltEntry> }> {
  const meta = boltMeta(file);
  const root = pageAt(file, meta.pageSize, Number(meta.rootPage));
  for (const element of walk(file, meta.pageSize, root)) {
    if ((element.flags & BUCKET_LEAF) === 0) continue;
    const bucketPage = bucketRoot(file, meta.pageSize, element.value);
    yield {
      name: element.key,
      entries: function* () {
        for (const entry of walk(file, meta.pageSize, bucketPage)) {
          yield { key: entry.key, value: (entry.flags & BUCKET_LEAF) !== 0 ? undefined : entry.value };
        }
      },
    };
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** Incremental CRC-32C (Castagnoli), as Go's hash/crc32 with crc32.Castagnoli. */
export class Crc32c {
  private crc = 0xffffffff;

  update(bytes: Buffer): void {
    let c = this.crc;
    for (const byte of bytes) c = (CRC32C_TABLE[(c ^ byte) & 0xff] ?? 0) ^ (c >>> 8);
    this.crc = c >>> 0;
  }

  digest(): number {
    return (this.crc ^ 0xffffffff) >>> 0;
  }
}

export interface SnapshotStatus {
  hash: number;
  revision: bigint;
  totalKey: number;
  totalSize: bigint;
}

/**
 * etcd's `snapshot status` over a bbolt snapshot: a CRC-32C over every bucket name, key and
 * value; the revision of the last key in the `key` bucket; the key count; and the db size.
 */
export function snapshotStatus(file: Buffer): SnapshotStatus {
  const meta = boltMeta(file);
  const crc = new Crc32c();
  let revision = 0n;
  let totalKey = 0;
  for (const bucket of boltBuckets(file)) {
    crc.update(bucket.name);
    const isKeyBucket = bucket.name.toString() === 'key';
    for (const entry of bucket.entries()) {
      crc.update(entry.key);
      if (entry.value) crc.update(entry.value);
      if (isKeyBucket && entry.key.length >= 8) revision = entry.key.readBigUInt64BE(0);
      totalKey++;
    }
  }
  return { hash: crc.digest(), revision, totalKey, totalSize: BigInt(meta.pageSize) * meta.highWaterPages };
}
