import type { etcdserverpb } from '@coreos-ts/proto';
import { type Bytes, toBuffer } from '../bytes.js';
import type { KvClient } from '../client.js';
import { StmConflictError } from '../errors.js';
import { compare, op } from '../txn.js';

/** What an STM body sees: reads are recorded, writes buffered until commit. */
export interface StmTx {
  /** The key's value as of this attempt (your own buffered writes included), or undefined. */
  get(key: Bytes): Promise<Buffer | undefined>;
  getString(key: Bytes): Promise<string | undefined>;
  put(key: Bytes, value: Bytes): void;
  delete(key: Bytes): void;
}

export interface StmOptions {
  /** Attempts before giving up with StmConflictError. */
  attemptsMax?: number;
}

/**
 * Software transactional memory over a txn (clientv3's STM, repeatable-read flavour): the body
 * runs against recorded reads; the commit succeeds only if none of the keys read changed since
 * (mod revision compares), otherwise the body runs again on fresh data.
 */
export async function runStm<T>(
  client: KvClient,
  body: (tx: StmTx) => Promise<T>,
  options: StmOptions = {},
): Promise<T> {
  const attemptsMax = options.attemptsMax ?? 16;
  for (let attempt = 1; attempt <= attemptsMax; attempt++) {
    const reads = new Map<string, { key: Buffer; modRevision: bigint; value: Buffer | undefined }>();
    const writes = new Map<string, { key: Buffer; value: Buffer | undefined }>();
    let readRevision = 0n;
    const tx: StmTx = {
      async get(key) {
        const k = toBuffer(key);
        const id = k.toString('hex');
        const written = writes.get(id);
        if (written) return written.value;
        const seen = reads.get(id);
        if (seen) return seen.value;
        const result = await client.get(k, readRevision > 0n ? { revision: readRevision } : {});
        if (readRevision === 0n) readRevision = result.header.revision;
        const kv = result.kvs[0];
        reads.set(id, { key: k, modRevision: kv?.modRevision ?? 0n, value: kv?.value });
        return kv?.value;
      },
      async getString(key) {
        return (await tx.get(key))?.toString('utf8');
      },
      put(key, value) {
        const k = toBuffer(key);
        writes.set(k.toString('hex'), { key: k, value: toBuffer(value) });
      },
      delete(key) {
        const k = toBuffer(key);
        writes.set(k.toString('hex'), { key: k, value: undefined });
      },
    };
    const result = await body(tx);
    const compares: etcdserverpb.Compare[] = [...reads.values()].map((r) =>
      compare.modRevision(r.key, '=', r.modRevision),
    );
    const ops: etcdserverpb.RequestOp[] = [...writes.values()].map((w) =>
      w.value === undefined ? op.delete(w.key) : op.put(w.key, w.value),
    );
    if (ops.length === 0) return result;
    const committed = await client
      .txn()
      .if(...compares)
      .andThen(...ops)
      .commit();
    if (committed.succeeded) return result;
  }
  throw new StmConflictError(`stm: gave up after ${attemptsMax} conflicting attempts`);
}
