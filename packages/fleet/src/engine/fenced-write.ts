/**
 * The leader's writes, fenced: each txn carries the compare "our leader key still has the
 * create revision we won with", so once the key is gone (lease expired or revoked, resigned) or
 * re-created by someone else, the writes fail instead of landing. Chunked to stay within
 * etcd's ops-per-txn limit.
 */
import { compare, type KvClient, op } from '@coreos-ts/kv-client';
import type { KvWrite } from './reconcile.js';

export class NotLeaderAnymore extends Error {
  override readonly name = 'NotLeaderAnymore';
}

export interface Fence {
  /** The leader key (undefined: not leading). */
  readonly key: string | undefined;
  /** Its create revision when we were elected. */
  readonly revision: bigint;
}

/** Applies `writes`; throws NotLeaderAnymore (nothing of that chunk applied) when the fence fails. */
export async function writeFenced(
  client: KvClient,
  fence: Fence,
  writes: readonly KvWrite[],
  opsPerTxnMax: number,
  signal?: AbortSignal,
): Promise<number> {
  const leaderKey = fence.key;
  if (leaderKey === undefined) throw new NotLeaderAnymore('not leading');
  const chunk = opsPerTxnMax - 1;
  let written = 0;
  for (let i = 0; i < writes.length; i += chunk) {
    const ops = writes.slice(i, i + chunk).map((w) => (w.kind === 'put' ? op.put(w.key, w.value) : op.delete(w.key)));
    const result = await client
      .txn()
      .if(compare.createRevision(leaderKey, '=', fence.revision))
      .andThen(...ops)
      .commit(signal ? { signal } : {});
    if (!result.succeeded) throw new NotLeaderAnymore('leader key changed: writes refused');
    written += ops.length;
  }
  return written;
}
