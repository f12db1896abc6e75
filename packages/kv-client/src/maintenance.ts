import { etcdserverpb } from '@coreos-ts/proto';
import type { CallOptions, CallRunner, RunPolicy } from './call-runner.js';
import { toKvError } from './error-table.js';
import { UnavailableError } from './errors.js';
import { type Header, toHeader } from './kv-types.js';

/** Maintenance calls go to one member: `endpoint` picks it (the pool's choice when absent). */
export interface MemberCallOptions extends CallOptions {
  endpoint?: string;
}

export interface StatusResult {
  header: Header;
  version: string;
  dbSize: bigint;
  leader: bigint;
  raftIndex: bigint;
  raftTerm: bigint;
  raftAppliedIndex: bigint;
  errors: string[];
  dbSizeInUse: bigint;
  isLearner: boolean;
}

export interface HashKvResult {
  header: Header;
  hash: number;
  compactRevision: bigint;
}

export type AlarmKind = 'none' | 'nospace' | 'corrupt';

export interface Alarm {
  memberId: bigint;
  alarm: AlarmKind;
}

const M = etcdserverpb.MaintenanceService;
const ALARM_NAMES: Record<number, AlarmKind> = { 0: 'none', 1: 'nospace', 2: 'corrupt' };

export class MaintenanceApi {
  constructor(private readonly runner: CallRunner) {}

  private policy(options: MemberCallOptions, mutating: boolean): RunPolicy {
    const { endpoint, ...rest } = options;
    return endpoint === undefined
      ? { ...rest, mutating }
      : { ...rest, mutating, endpoint: this.runner.pool.resolve(endpoint) };
  }

  async status(options: MemberCallOptions = {}): Promise<StatusResult> {
    const r = await this.runner.unary(M.status, {}, this.policy(options, false));
    return {
      header: toHeader(r.header),
      version: r.version,
      dbSize: r.dbSize,
      leader: r.leader,
      raftIndex: r.raftIndex,
      raftTerm: r.raftTerm,
      raftAppliedIndex: r.raftAppliedIndex,
      errors: r.errors,
      dbSizeInUse: r.dbSizeInUse,
      isLearner: r.isLearner,
    };
  }

  async hashKv(revision: bigint = 0n, options: MemberCallOptions = {}): Promise<HashKvResult> {
    const r = await this.runner.unary(M.hashKv, { revision }, this.policy(options, false));
    return { header: toHeader(r.header), hash: r.hash, compactRevision: r.compactRevision };
  }

  async alarmList(options: CallOptions = {}): Promise<Alarm[]> {
    const r = await this.runner.unary(
      M.alarm,
      { action: etcdserverpb.AlarmRequest_AlarmAction.GET, memberID: 0n, alarm: etcdserverpb.AlarmType.NONE },
      { ...options, mutating: false },
    );
    return r.alarms.map((a) => ({ memberId: a.memberID, alarm: ALARM_NAMES[a.alarm] ?? 'none' }));
  }

  /** Raises an alarm on a member (operators and tests: NOSPACE makes the cluster refuse writes). */
  async alarmActivate(
    memberId: bigint,
    alarm: Exclude<AlarmKind, 'none'>,
    options: CallOptions = {},
  ): Promise<Alarm[]> {
    const r = await this.runner.unary(
      M.alarm,
      {
        action: etcdserverpb.AlarmRequest_AlarmAction.ACTIVATE,
        memberID: memberId,
        alarm: alarm === 'nospace' ? etcdserverpb.AlarmType.NOSPACE : etcdserverpb.AlarmType.CORRUPT,
      },
      { ...options, mutating: true },
    );
    return r.alarms.map((a) => ({ memberId: a.memberID, alarm: ALARM_NAMES[a.alarm] ?? 'none' }));
  }

  /** Deactivates the given alarms (all active ones when omitted); returns what was disarmed. */
  async alarmDisarm(alarms?: Alarm[], options: CallOptions = {}): Promise<Alarm[]> {
    const targets = alarms ?? (await this.alarmList(options));
    const disarmed: Alarm[] = [];
    for (const target of targets) {
      const r = await this.runner.unary(
        M.alarm,
        {
          action: etcdserverpb.AlarmRequest_AlarmAction.DEACTIVATE,
          memberID: target.memberId,
          alarm: target.alarm === 'nospace' ? etcdserverpb.AlarmType.NOSPACE : etcdserverpb.AlarmType.CORRUPT,
        },
        { ...options, mutating: true },
      );
      for (const a of r.alarms) disarmed.push({ memberId: a.memberID, alarm: ALARM_NAMES[a.alarm] ?? 'none' });
    }
    return disarmed;
  }

  async defragment(options: MemberCallOptions = {}): Promise<Header> {
    const r = await this.runner.unary(M.defragment, {}, this.policy({ timeoutMs: 60_000, ...options }, false));
    return toHeader(r.header);
  }

  /** Transfers leadership to `targetId`; the call is sent to the current leader, whose id is returned. */
  async moveLeader(
    targetId: bigint,
    options: CallOptions & { endpoints?: string[] } = {},
  ): Promise<{ header: Header; previousLeader: bigint }> {
    const { endpoints, ...callOptions } = options;
    const urls = endpoints ?? this.runner.pool.endpoints.map((e) => e.url);
    for (const url of urls) {
      const status = await this.status({ ...callOptions, endpoint: url }).catch(() => undefined);
      if (status && status.leader === status.header.memberId) {
        const r = await this.runner.unary(
          M.moveLeader,
          { targetID: targetId },
          this.policy({ ...callOptions, endpoint: url }, true),
        );
        return { header: toHeader(r.header), previousLeader: status.leader };
      }
    }
    throw new UnavailableError('move-leader: no endpoint is the leader');
  }

  /**
   * Streams the member's backend database. Chunks are read with back-pressure: the server is
   * not asked for more than the consumer takes.
   */
  async *snapshot(options: MemberCallOptions = {}): AsyncGenerator<Buffer> {
    const policy = this.policy({ timeoutMs: 10 * 60_000, ...options }, false);
    const endpoint = policy.endpoint ?? this.runner.pool.pick(new Set());
    if (!endpoint) throw new UnavailableError('no endpoint');
    const call = await this.runner.run({ ...policy, endpoint }, async (attempt) =>
      attempt.endpoint.client.makeServerStreamRequest(
        M.snapshot.path,
        M.snapshot.requestSerialize,
        M.snapshot.responseDeserialize,
        {},
        attempt.metadata,
        { deadline: attempt.deadline },
      ),
    );
    try {
      for await (const chunk of call as AsyncIterable<etcdserverpb.SnapshotResponse>) {
        if (chunk.blob.length > 0) yield chunk.blob;
      }
    } catch (err) {
      throw toKvError(err, { endpoint: endpoint.url, mutating: false, sent: true });
    } finally {
      call.cancel();
    }
  }
}
