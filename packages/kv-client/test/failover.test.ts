import { freePort } from '@coreos-ts/grpc-kit/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientClosedError,
  CompactedError,
  DuplicateKeyError,
  EmptyKeyError,
  FutureRevisionError,
  KvClient,
  type KvError,
  LeaseExistsError,
  LeaseNotFoundError,
  MemberNotFoundError,
  op,
  RequestTooLargeError,
  TooManyOpsError,
  TooManyPendingCallsError,
  UnavailableError,
  UnknownOutcomeError,
} from '../src/index.js';
import { type RunningCluster, startCluster } from '../src/testing/index.js';
import { backends } from './backends.js';

async function failureOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe.each(backends)('errors and failover against $name', (backend) => {
  let cluster: RunningCluster;
  let client: KvClient;
  let deadEndpoint: string;

  beforeAll(async () => {
    cluster = await startCluster({ size: 3, binary: backend.binary, args: backend.args ?? [] });
    client = new KvClient({ endpoints: cluster.endpoints });
    deadEndpoint = `http://127.0.0.1:${await freePort()}`;
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  it('maps etcd errors to typed classes (never a raw grpc-js error)', async () => {
    const cases: [() => Promise<unknown>, new (...args: never[]) => KvError, string][] = [
      [() => client.put('', 'x'), EmptyKeyError, 'etcdserver: key is not provided'],
      [
        () => client.txn().andThen(op.put('dup', '1'), op.put('dup', '2')).commit(),
        DuplicateKeyError,
        'etcdserver: duplicate key given in txn request',
      ],
      [
        () =>
          client
            .txn()
            .andThen(...Array.from({ length: 129 }, (_, i) => op.put(`many/${i}`, 'x')))
            .commit(),
        TooManyOpsError,
        'etcdserver: too many operations in txn request',
      ],
      [
        () => client.get('k', { revision: 1_000_000 }),
        FutureRevisionError,
        'etcdserver: mvcc: required revision is a future revision',
      ],
      [() => client.lease.revoke(0x1234n), LeaseNotFoundError, 'etcdserver: requested lease not found'],
      [() => client.put('big', Buffer.alloc(1_700_000)), RequestTooLargeError, 'etcdserver: request is too large'],
      [() => client.cluster.memberRemove(0x1234n), MemberNotFoundError, 'etcdserver: member not found'],
    ];
    for (const [call, type, message] of cases) {
      const err = await failureOf(call());
      expect(err, message).toBeInstanceOf(type);
      expect((err as Error).message).toBe(message);
    }
    const lease = await client.lease.grant(10);
    const dup = await failureOf(client.lease.grant(10, { id: lease.id }));
    expect(dup).toBeInstanceOf(LeaseExistsError);
    await client.lease.revoke(lease.id);
  });

  it('reading a compacted revision throws CompactedError', async () => {
    const first = await client.put('cpt/k', '1');
    const second = await client.put('cpt/k', '2');
    await client.compact(second.header.revision);
    const err = await failureOf(client.get('cpt/k', { revision: first.header.revision }));
    expect(err).toBeInstanceOf(CompactedError);
    expect((err as CompactedError).message).toBe('etcdserver: mvcc: required revision has been compacted');
  });

  it('skips an unreachable endpoint for reads and writes', async () => {
    const withDead = new KvClient({ endpoints: [deadEndpoint, ...cluster.endpoints], callTimeoutMs: 3_000 });
    try {
      await withDead.put('fo/k', 'v');
      expect(await withDead.getString('fo/k')).toBe('v');
    } finally {
      withDead.close();
    }
  });

  it('fails with UnavailableError within the deadline when no endpoint answers', async () => {
    const nowhere = new KvClient({ endpoints: [deadEndpoint], callTimeoutMs: 1_000 });
    const started = Date.now();
    try {
      const err = await failureOf(nowhere.get('k'));
      expect(err).toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(3_000);
      const write = await failureOf(nowhere.put('k', 'v'));
      expect(write).toBeInstanceOf(UnavailableError);
    } finally {
      nowhere.close();
    }
    expect(await failureOf(nowhere.get('k'))).toBeInstanceOf(ClientClosedError);
  });

  it('bounds pending calls with a clear error', async () => {
    const small = new KvClient({ endpoints: cluster.endpoints, pendingCallsMax: 2 });
    try {
      const calls = [small.get('a'), small.get('b'), small.get('c')];
      const results = await Promise.allSettled(calls);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
      const third = results[2] as PromiseRejectedResult;
      expect(third.reason).toBeInstanceOf(TooManyPendingCallsError);
      expect(third.reason.message).toMatch(/pendingCallsMax 2/);
    } finally {
      small.close();
    }
  });

  it('a write lost on a hung member is UnknownOutcomeError, never retried; reads move on', async () => {
    const member = cluster.members[2]!;
    const others = cluster.endpoints.filter((e) => e !== member.clientUrl);
    // a long dial bound: on a loaded host the first dial must not give up on the member and move the client elsewhere
    const pinnedFirst = new KvClient({
      endpoints: [member.clientUrl, ...others],
      callTimeoutMs: 1_500,
      dialTimeoutMs: 10_000,
    });
    try {
      const before = await pinnedFirst.put('uo/k', 'before', { timeoutMs: 10_000 }); // connection to the member is up
      const memberId = (await pinnedFirst.maintenance.status({ endpoint: member.clientUrl })).header.memberId;
      expect(before.header.memberId).toBe(memberId);
      await member.kill('SIGSTOP');
      const err = await failureOf(pinnedFirst.put('uo/k', 'during'));
      expect(err).toBeInstanceOf(UnknownOutcomeError);
      expect((err as UnknownOutcomeError).endpoint).toBe(member.clientUrl);
      const value = await pinnedFirst.getString('uo/k');
      expect(['before', 'during']).toContain(value);
    } finally {
      await member.kill('SIGCONT');
      pinnedFirst.close();
    }
  });
});
