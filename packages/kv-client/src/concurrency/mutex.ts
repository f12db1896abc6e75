import type { etcdserverpb } from '@coreos-ts/proto';
import type { CallOptions } from '../call-runner.js';
import { SessionExpiredError } from '../errors.js';
import type { Header } from '../kv-types.js';
import { compare, op } from '../txn.js';
import { sessionGuard } from './guard.js';
import type { Session } from './session.js';
import { waitDeletes } from './wait-deletes.js';

/**
 * A distributed lock with clientv3's layout, so it excludes `etcdctl lock NAME` and any clientv3
 * Mutex: each contender puts `NAME/<lease id in hex>` under its session lease; the holder is the
 * key with the lowest create revision; everyone else waits for the key just before theirs to go.
 */
export class Mutex {
  readonly prefix: string;
  private myKey: string | undefined;
  private myRevision = -1n;
  private lockHeader: Header | undefined;

  constructor(
    readonly session: Session,
    name: string,
  ) {
    this.prefix = `${name}/`;
  }

  /** The key that holds the lock (valid once lock() resolved). */
  get key(): string {
    return this.myKey ?? `${this.prefix}${this.session.leaseId.toString(16)}`;
  }

  /** Create revision of our key: a fencing token that grows with every new holder. */
  get revision(): bigint {
    return this.myRevision;
  }

  get header(): Header | undefined {
    return this.lockHeader;
  }

  /** Waits until the lock is ours. Fails with SessionExpiredError if the session dies first. */
  async lock(options: { signal?: AbortSignal } = {}): Promise<void> {
    this.session.assertAlive();
    const client = this.session.client;
    const key = `${this.prefix}${this.session.leaseId.toString(16)}`;
    const guard = sessionGuard(this.session, options.signal);
    try {
      const attempt = await client
        .txn()
        .if(compare.createRevision(key, '=', 0))
        .andThen(op.put(key, '', { lease: this.session.leaseId }), firstCreated(this.prefix))
        .orElse(op.get(key), firstCreated(this.prefix))
        .commit({ signal: guard.signal });
      this.myKey = key;
      const mine = attempt.responses[0];
      this.myRevision = attempt.succeeded
        ? attempt.header.revision
        : mine?.type === 'range'
          ? (mine.range.kvs[0]?.createRevision ?? 0n)
          : 0n;
      this.lockHeader = attempt.header;
      const owner = attempt.responses[1];
      const ownerRevision = owner?.type === 'range' ? owner.range.kvs[0]?.createRevision : undefined;
      if (ownerRevision === this.myRevision) return;
      try {
        await waitDeletes(client, this.prefix, this.myRevision - 1n, guard.signal);
        const still = await client.get(key, { signal: guard.signal });
        if (still.kvs.length === 0) throw new SessionExpiredError('lock key vanished while waiting: session expired');
        this.lockHeader = still.header;
      } catch (err) {
        await this.release({ timeoutMs: 2_000 }).catch(() => {});
        throw err;
      }
    } catch (err) {
      throw guard.explain(err);
    }
  }

  /** Releases the lock (deletes our key). */
  async unlock(options: CallOptions = {}): Promise<void> {
    await this.release(options);
  }

  /** A compare that holds only while we own the lock, for guarding writes in a txn. */
  isOwner(): etcdserverpb.Compare {
    return compare.createRevision(this.key, '=', this.myRevision);
  }

  private async release(options: CallOptions): Promise<void> {
    if (this.myKey === undefined) return;
    await this.session.client.delete(this.myKey, options);
    this.myKey = undefined;
    this.myRevision = -1n;
  }
}

export function firstCreated(prefix: string): etcdserverpb.RequestOp {
  return op.get(prefix, { prefix: true, sortTarget: 'create', sortOrder: 'ascend', limit: 1 });
}
