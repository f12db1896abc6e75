import { createHash } from 'node:crypto';
import type { Backend, BackendOp } from '../mvcc/backend.js';

// A whole-store snapshot: every key/value pair of the backend (revisions, leases, members,
// meta), in key order, framed as [u32 key length][key][u32 value length][value], after a magic
// header and followed by the SHA-256 of everything before it (as etcd appends one to its db
// snapshot; like a bbolt file, the body is padded with zeros to a multiple of 512 bytes, which
// etcdctl checks before it accepts the hash). Used for raft snapshots sent to slow followers, `etcdctl snapshot save`, and
// `kvctl snapshot restore`.

const MAGIC = Buffer.from('KVSNAP01');
const HASH_BYTES = 32;
const BODY_ALIGN_BYTES = 512;
const CHUNK_BYTES = 256 * 1024;

export class SnapshotFormatError extends Error {
  override name = 'SnapshotFormatError';
}

/** Streams the backend as snapshot chunks of about CHUNK_BYTES; the last chunk ends with the hash. */
export async function* dumpBackend(backend: Backend): AsyncGenerator<Buffer> {
  const hash = createHash('sha256');
  let parts: Buffer[] = [MAGIC];
  let size = MAGIC.length;
  let total = 0;
  const emit = () => {
    const chunk = Buffer.concat(parts, size);
    hash.update(chunk);
    total += chunk.length;
    parts = [];
    size = 0;
    return chunk;
  };
  for await (const [key, value] of backend.entries({ gte: Buffer.alloc(0), lt: Buffer.from([0xff, 0xff]) })) {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32BE(key.length);
    const mid = Buffer.allocUnsafe(4);
    mid.writeUInt32BE(value.length);
    parts.push(head, key, mid, value);
    size += 8 + key.length + value.length;
    if (size >= CHUNK_BYTES) yield emit();
  }
  const pad = (BODY_ALIGN_BYTES - ((total + size) % BODY_ALIGN_BYTES)) % BODY_ALIGN_BYTES;
  parts.push(Buffer.alloc(pad));
  size += pad;
  const last = emit();
  yield Buffer.concat([last, hash.digest()]);
}

export async function dumpToBuffer(backend: Backend): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of dumpBackend(backend)) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Checks the frame and the hash, and yields the pairs. */
export function* parseSnapshot(data: Buffer): Generator<readonly [Buffer, Buffer]> {
  if (data.length < MAGIC.length + HASH_BYTES || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new SnapshotFormatError('not a kv snapshot (bad header)');
  }
  const body = data.subarray(0, data.length - HASH_BYTES);
  const expected = data.subarray(data.length - HASH_BYTES);
  if (!createHash('sha256').update(body).digest().equals(expected)) {
    throw new SnapshotFormatError('snapshot hash mismatch: the file is corrupt or truncated');
  }
  let at = MAGIC.length;
  while (at < body.length) {
    if (at + 4 > body.length) throw new SnapshotFormatError(`truncated record at offset ${at}`);
    const klen = body.readUInt32BE(at);
    if (klen === 0) {
      // no key is empty: this is the zero padding at the end
      if (body.subarray(at).some((b) => b !== 0)) throw new SnapshotFormatError(`bad padding at offset ${at}`);
      return;
    }
    const key = body.subarray(at + 4, at + 4 + klen);
    at += 4 + klen;
    if (at + 4 > body.length) throw new SnapshotFormatError(`truncated record at offset ${at}`);
    const vlen = body.readUInt32BE(at);
    const value = body.subarray(at + 4, at + 4 + vlen);
    at += 4 + vlen;
    if (key.length !== klen || value.length !== vlen) throw new SnapshotFormatError(`truncated record at offset ${at}`);
    yield [key, value];
  }
}

/**
 * Replaces the backend's whole content by the snapshot's in ONE atomic batch, so a crash leaves
 * either the old state or the new one, never a mix.
 */
export async function restoreBackend(backend: Backend, data: Buffer): Promise<void> {
  const pairs = [...parseSnapshot(data)];
  const ops: BackendOp[] = [];
  for await (const [key] of backend.entries({ gte: Buffer.alloc(0), lt: Buffer.from([0xff, 0xff]) })) {
    ops.push({ type: 'del', key: Buffer.from(key) });
  }
  for (const [key, value] of pairs) ops.push({ type: 'put', key: Buffer.from(key), value: Buffer.from(value) });
  await backend.write(ops);
}
