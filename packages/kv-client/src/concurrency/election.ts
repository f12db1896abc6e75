import type { Bytes } from '../bytes.js';
import { toBuffer } from '../bytes.js';
import type { CallOptions } from '../call-runner.js';
import { CancelledError, NoElectionLeaderError, NotLeaderError } from '../errors.js';
import type { Header, KeyValue } from '../kv-types.js';
import { compare, op } from '../txn.js';
import { sessionGuard } from './guard.js';
import type { Session } from './session.js';
import { waitDeletes } from './wait-deletes.js';

/**
 * Leader election with clientv3's layout (interoperates with `etcdctl elect NAME`): candidates
 * put `NAME/<lease id in hex>` with their proposal; the oldest key (lowest create revision) is
 * the leader and its value the leader's proclamation.
 */
export class Election {
  readonly prefix: string;
  private leaderKey: string | undefined;
  private leaderRevision = -1n;
  private leaderHeader: Header | undefined;

  constructor(
    readonly session: Session,
    name: string,
  ) {
    this.prefix = `${name}/`;
  }

  /** Our key while we campaign or lead. */
  get key(): string | undefined {
    return this.leaderKey;
  }

  get revision(): bigint {
    return this.leaderRevision;
  }

  get header(): Header | undefined {
    return this.leaderHeader;
  }

  /** Resolves once we are the leader with `value` proclaimed. */
  async campaign(value: Bytes, options: { signal?: AbortSignal } = {}): Promise<void> {
    this.session.assertAlive();
    const client = this.session.client;
    const key = `${this.prefix}${this.session.leaseId.toString(16)}`;
    const guard = sessionGuard(this.session, options.signal);
    try {
      const attempt = await client
        .txn()
        .if(compare.createRevision(key, '=', 0))
        .andThen(op.put(key, value, { lease: this.session.leaseId }))
        .orElse(op.get(key))
        .commit({ signal: guard.signal });
      this.leaderKey = key;
      this.leaderRevision = attempt.header.revision;
      if (!attempt.succeeded) {
        const existing = attempt.responses[0];
        const kv = existing?.type === 'range' ? existing.range.kvs[0] : undefined;
        this.leaderRevision = kv?.createRevision ?? attempt.header.revision;
        if (kv && !kv.value.equals(toBuffer(value))) await this.proclaim(value, { signal: guard.signal });
      }
      try {
        await waitDeletes(client, this.prefix, this.leaderRevision - 1n, guard.signal);
      } catch (err) {
        if (options.signal?.aborted) await this.resign({ timeoutMs: 2_000 }).catch(() => {});
        else this.leaderKey = undefined;
        throw err;
      }
      this.leaderHeader = attempt.header;
    } catch (err) {
      throw guard.explain(err);
    }
  }

  /** Changes the leader's value; NotLeaderError if we are no longer the leader. */
  async proclaim(value: Bytes, options: CallOptions = {}): Promise<void> {
    if (this.leaderKey === undefined) throw new NotLeaderError();
    const result = await this.session.client
      .txn()
      .if(compare.createRevision(this.leaderKey, '=', this.leaderRevision))
      .andThen(op.put(this.leaderKey, value, { lease: this.session.leaseId }))
      .commit(options);
    if (!result.succeeded) {
      this.leaderKey = undefined;
      throw new NotLeaderError();
    }
  }

  /** Gives up leadership (or candidacy): deletes our key if it is still ours. */
  async resign(options: CallOptions = {}): Promise<void> {
    if (this.leaderKey === undefined) return;
    await this.session.client
      .txn()
      .if(compare.createRevision(this.leaderKey, '=', this.leaderRevision))
      .andThen(op.delete(this.leaderKey))
      .commit(options);
    this.leaderKey = undefined;
    this.leaderRevision = -1n;
  }

  /** The current leader's key and value; NoElectionLeaderError when nobody leads. */
  async leader(options: CallOptions = {}): Promise<KeyValue> {
    return leaderOf(this.session.client, this.prefix, options);
  }
}

export async function leaderOf(
  client: Session['client'],
  prefix: string,
  options: CallOptions = {},
): Promise<KeyValue> {
  const result = await client.get(prefix, {
    prefix: true,
    sortTarget: 'create',
    sortOrder: 'ascend',
    limit: 1,
    ...options,
  });
  const kv = result.kvs[0];
  if (!kv) throw new NoElectionLeaderError();
  return kv;
}

/**
 * Every leader of election `name` and every proclamation, as they happen (like `etcdctl elect -l`):
 * yields the current leader first, then each change. Ends when `signal` aborts.
 */
export async function* observeElection(
  client: Session['client'],
  name: string,
  options: { signal?: AbortSignal } = {},
): AsyncGenerator<KeyValue> {
  const prefix = `${name}/`;
  const signal = options.signal;
  try {
    for (;;) {
      const current = await client.get(prefix, {
        prefix: true,
        sortTarget: 'create',
        sortOrder: 'ascend',
        limit: 1,
        ...(signal ? { signal } : {}),
      });
      let leader = current.kvs[0];
      let from = current.header.revision + 1n;
      if (!leader) {
        // nobody leads: the first key put under the prefix becomes the leader
        const waiting = client.watch(prefix, {
          prefix: true,
          startRevision: from,
          filters: ['noDelete'],
          ...(signal ? { signal } : {}),
        });
        try {
          while (!leader) {
            const next = await waiting.next();
            if (next.done) return;
            leader = next.value.events[0]?.kv;
          }
        } finally {
          waiting.cancel();
        }
        from = leader.modRevision + 1n;
      }
      yield leader;
      const following = client.watch(leader.key, { startRevision: from, ...(signal ? { signal } : {}) });
      try {
        let gone = false;
        while (!gone) {
          const next = await following.next();
          if (next.done) return;
          for (const event of next.value.events) {
            if (event.type === 'delete') {
              gone = true;
              break;
            }
            if (!event.kv.value.equals(leader.value)) {
              leader = event.kv;
              yield leader;
            }
          }
        }
      } finally {
        following.cancel();
      }
    }
  } catch (err) {
    if (signal?.aborted) return;
    if (err instanceof CancelledError) return;
    throw err;
  }
}
