import { randomBytes } from 'node:crypto';
import type { Logger } from '@coreos-ts/grpc-kit';
import { type etcdserverpb, kvpb } from '@coreos-ts/proto';
import { isRaftError, type SoftState, StateType } from '@coreos-ts/raft';
import type { ChannelCredentials, Metadata } from '@grpc/grpc-js';
import { verifyPassword } from '../auth/password.js';
import type { Access } from '../auth/permissions.js';
import type { KvdConfig } from '../config.js';
import { KvError } from '../errors.js';
import type { AppliedWaiter } from './applied-waiter.js';
import { LeaseForwarder } from './lease-forwarder.js';
import { MemberOps } from './member-ops.js';
import type { RaftNode } from './raft-node.js';
import type { ReadIndexBatcher } from './read-index-batcher.js';
import { RequestIdGenerator } from './request-id.js';
import type { StateMachine } from './state-machine.js';
import type { WaitRegistry } from './wait-registry.js';

export const SERVER_VERSION = '3.4.0';

export interface EtcdServerParts {
  config: KvdConfig;
  /** How this member dials other members' client URLs (forwarded keep-alives and promotions). */
  clientCredentials: ChannelCredentials;
  confChangeWaits: WaitRegistry<object>;
  clusterId: bigint;
  memberId: bigint;
  raft: RaftNode;
  state: StateMachine;
  waits: WaitRegistry<object>;
  reads: ReadIndexBatcher;
  applied: AppliedWaiter;
  log: Logger;
  dbSizeBytes(): Promise<number>;
}

/**
 * The member's request surface (etcd's EtcdServer): reads served from the local store after a
 * ReadIndex round (or directly when serializable), writes proposed through raft and answered
 * when this member applies them.
 */
export class EtcdServer {
  private readonly ids: RequestIdGenerator;
  private readonly forwarder: LeaseForwarder;
  private leaderId = 0n;
  /** Called with the new leader on every leader change (moveLeader awaits its target). */
  private readonly leaderWatchers = new Set<(leader: bigint) => void>();
  private term = 0;

  readonly memberOps: MemberOps;

  constructor(private readonly p: EtcdServerParts) {
    this.ids = new RequestIdGenerator(p.memberId);
    this.forwarder = new LeaseForwarder(p.clientCredentials);
    this.memberOps = new MemberOps({
      memberId: p.memberId,
      clusterToken: p.config.initialClusterToken,
      membership: () => p.state.membership(),
      raw: () => p.raft.raw,
      isLeader: () => p.raft.isLeader(),
      propose: (cc) => p.raft.with((n) => n.proposeConfChange(cc)),
      waits: p.confChangeWaits,
      barrier: () => this.linearizableBarrier(),
      leaderClientUrl: () => p.state.membership().get(this.leaderId)?.clientUrls[0],
      clientCredentials: p.clientCredentials,
    });
  }

  get memberId(): bigint {
    return this.p.memberId;
  }

  get clusterId(): bigint {
    return this.p.clusterId;
  }

  leader(): bigint {
    return this.leaderId;
  }

  onSoftState(state: SoftState): void {
    const was = this.leaderId;
    this.leaderId = state.lead;
    for (const watcher of [...this.leaderWatchers]) watcher(state.lead);
    this.term = this.p.raft.raw.status().hardState.term;
    if (was !== state.lead) {
      this.p.log.info(
        { leader: state.lead.toString(16), term: this.term, role: StateType[state.raftState] },
        'leader changed',
      );
    }
    this.p.state.onRoleChange(state.raftState === StateType.Leader);
  }

  header(): etcdserverpb.ResponseHeader {
    return {
      clusterId: this.p.clusterId,
      memberId: this.p.memberId,
      revision: this.p.state.store().currentRevision(),
      // the term straight from raft: status() would copy the whole progress map per response
      raftTerm: BigInt(this.p.raft.raw.raft.term),
    };
  }

  private stamp<T extends { header?: etcdserverpb.ResponseHeader | undefined }>(response: T): T {
    const revision = response.header?.revision ?? this.p.state.store().currentRevision();
    response.header = { ...this.header(), revision };
    return response;
  }

  /** The user making a call (undefined while auth is off); etcd's errors for a missing or bad token. */
  caller(metadata: Metadata): string | undefined {
    const auth = this.p.state.auth();
    if (!auth.isEnabled()) return undefined;
    const token = metadata.get('token')[0];
    if (token === undefined) throw new KvError('UserEmpty');
    return auth.userOfToken(String(token), Date.now());
  }

  requireAccess(metadata: Metadata, access: Access, key: Buffer, rangeEnd: Buffer): void {
    const user = this.caller(metadata);
    if (user !== undefined) this.p.state.auth().check(user, access, key, rangeEnd);
  }

  requireRoot(metadata: Metadata): void {
    const user = this.caller(metadata);
    if (user !== undefined && !this.p.state.auth().isRoot(user)) throw new KvError('PermissionDenied');
  }

  /** Every compare needs read access, every op the access it uses, nested txns included. */
  requireTxnAccess(metadata: Metadata, txn: etcdserverpb.TxnRequest): void {
    const user = this.caller(metadata);
    if (user === undefined) return;
    const auth = this.p.state.auth();
    const visit = (t: etcdserverpb.TxnRequest) => {
      for (const c of t.compare) auth.check(user, 'read', c.key, c.rangeEnd);
      for (const op of [...t.success, ...t.failure]) {
        if (op.requestRange) auth.check(user, 'read', op.requestRange.key, op.requestRange.rangeEnd);
        if (op.requestPut) auth.check(user, 'write', op.requestPut.key, Buffer.alloc(0));
        if (op.requestDeleteRange) auth.check(user, 'write', op.requestDeleteRange.key, op.requestDeleteRange.rangeEnd);
        if (op.requestTxn) visit(op.requestTxn);
      }
    };
    visit(txn);
  }

  /** Checks the password against the replicated hash, then makes a token known to every member. */
  async authenticate(name: string, password: string): Promise<string> {
    const auth = this.p.state.auth();
    if (!auth.isEnabled()) throw new KvError('AuthNotEnabled');
    const hash = auth.passwordHash(name);
    if (hash === undefined || !(await verifyPassword(password, hash))) throw new KvError('AuthFailed');
    const token = `${randomBytes(16).toString('hex')}.${this.ids.id().toString(16)}`;
    await this.propose({ authenticate: { name, token } });
    return token;
  }

  /** An auth management change through raft (passwords already hashed by the caller). */
  async authChange(request: Omit<kvpb.InternalRequest, 'header'>): Promise<etcdserverpb.ResponseHeader> {
    const r = (await this.propose(request)) as { header?: etcdserverpb.ResponseHeader };
    return r.header ?? this.header();
  }

  authState() {
    return this.p.state.auth();
  }

  /** Waits until this member has applied everything committed before the call. */
  async linearizableBarrier(): Promise<void> {
    await this.p.reads.wait();
  }

  async range(req: etcdserverpb.RangeRequest): Promise<etcdserverpb.RangeResponse> {
    if (!req.serializable) await this.linearizableBarrier();
    return this.stamp(this.p.state.store().range(req));
  }

  put(req: etcdserverpb.PutRequest): Promise<etcdserverpb.PutResponse> {
    return this.propose({ put: req }) as Promise<etcdserverpb.PutResponse>;
  }

  deleteRange(req: etcdserverpb.DeleteRangeRequest): Promise<etcdserverpb.DeleteRangeResponse> {
    return this.propose({ deleteRange: req }) as Promise<etcdserverpb.DeleteRangeResponse>;
  }

  async txn(req: etcdserverpb.TxnRequest): Promise<etcdserverpb.TxnResponse> {
    if (isReadOnlyTxn(req)) {
      await this.linearizableBarrier();
      return this.stamp(this.p.state.store().txn(req));
    }
    return this.propose({ txn: req }) as Promise<etcdserverpb.TxnResponse>;
  }

  /** With `physical`, answers only once the compacted revisions are gone from the backend. */
  async compact(req: etcdserverpb.CompactionRequest): Promise<etcdserverpb.CompactionResponse> {
    const response = (await this.propose({ compaction: req })) as etcdserverpb.CompactionResponse;
    if (req.physical) {
      const store = this.p.state.store();
      while (store.compactionPending()) await store.flush();
    }
    return response;
  }

  leaseGrant(req: etcdserverpb.LeaseGrantRequest): Promise<etcdserverpb.LeaseGrantResponse> {
    const id = req.ID === 0n ? this.p.state.newLeaseId() : req.ID;
    return this.propose({ leaseGrant: { ...req, ID: id } }) as Promise<etcdserverpb.LeaseGrantResponse>;
  }

  leaseRevoke(req: etcdserverpb.LeaseRevokeRequest): Promise<etcdserverpb.LeaseRevokeResponse> {
    return this.propose({ leaseRevoke: req }) as Promise<etcdserverpb.LeaseRevokeResponse>;
  }

  /** A keep-alive: the leader renews; a follower forwards it to the leader. */
  async leaseRenew(id: bigint): Promise<bigint> {
    if (this.p.raft.isLeader()) return this.p.state.renewLease(id, true);
    const url = this.p.state.membership().get(this.leaderId)?.clientUrls[0];
    if (this.leaderId === 0n || url === undefined) throw new KvError('NoLeader');
    return this.forwarder.renew(url, id);
  }

  close(): void {
    this.forwarder.close();
  }

  async leaseTimeToLive(req: etcdserverpb.LeaseTimeToLiveRequest): Promise<etcdserverpb.LeaseTimeToLiveResponse> {
    await this.linearizableBarrier();
    return this.stamp(this.p.state.leaseTimeToLive(req));
  }

  async leaseLeases(): Promise<etcdserverpb.LeaseLeasesResponse> {
    await this.linearizableBarrier();
    return this.stamp({ header: undefined, leases: this.p.state.leaseIds().map((ID) => ({ ID })) });
  }

  members(): etcdserverpb.Member[] {
    return this.p.state.membership().list();
  }

  async status(): Promise<etcdserverpb.StatusResponse> {
    const s = this.p.raft.raw.status();
    const dbSize = BigInt(await this.p.dbSizeBytes());
    return this.stamp({
      header: undefined,
      version: SERVER_VERSION,
      dbSize,
      leader: this.leaderId,
      raftIndex: BigInt(this.p.raft.raw.raft.raftLog.committed),
      raftTerm: BigInt(s.hardState.term),
      raftAppliedIndex: BigInt(this.p.applied.appliedIndex),
      errors: this.p.state.alarmErrors(),
      dbSizeInUse: dbSize,
      isLearner: s.config.learners.includes(this.p.memberId),
      storageVersion: '',
      dbSizeQuota: BigInt(this.p.state.quotaBytes),
      downgradeInfo: undefined,
    });
  }

  async hashKV(revision: bigint): Promise<etcdserverpb.HashKVResponse> {
    return this.stamp(this.p.state.store().hashKV(revision));
  }

  async hash(): Promise<etcdserverpb.HashResponse> {
    const h = this.p.state.store().hashKV(0n);
    return this.stamp({ header: undefined, hash: h.hash });
  }

  async alarm(req: etcdserverpb.AlarmRequest): Promise<etcdserverpb.AlarmResponse> {
    // etcd answers a GET without a header; etcdctl's JSON output shows that
    if (req.action === 0) return { header: undefined, alarms: this.p.state.alarmList() };
    return (await this.propose({ alarm: req })) as etcdserverpb.AlarmResponse;
  }

  async defragment(): Promise<etcdserverpb.DefragmentResponse> {
    await this.p.state.defragment();
    // the quota check sees the reclaimed space at once
    this.p.state.setDbSize(await this.p.dbSizeBytes());
    return this.stamp({ header: undefined });
  }

  async moveLeader(target: bigint): Promise<etcdserverpb.MoveLeaderResponse> {
    if (!this.p.raft.isLeader()) throw new KvError('NotLeader');
    if (!this.p.state.membership().get(target)) throw new KvError('NotLeader');
    const moved = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.leaderWatchers.delete(check);
          reject(new KvError('Timeout'));
        },
        2 * this.p.config.electionTimeoutMs + 1000,
      );
      const check = (leader: bigint) => {
        if (leader !== target) return;
        clearTimeout(timer);
        this.leaderWatchers.delete(check);
        resolve();
      };
      this.leaderWatchers.add(check);
    });
    this.p.raft.with((n) => n.transferLeader(target));
    await moved;
    return this.stamp({ header: undefined });
  }

  /** The store as a stream of snapshot pieces, for Maintenance.Snapshot. */
  async *snapshot(): AsyncGenerator<{ blob: Buffer; remaining: bigint }> {
    const whole = await this.p.state.dump();
    const chunk = 64 * 1024;
    for (let at = 0; at < whole.length; at += chunk) {
      const blob = whole.subarray(at, Math.min(at + chunk, whole.length));
      yield { blob, remaining: BigInt(whole.length - at - blob.length) };
    }
  }

  /** Announces this member's name and client URLs to the cluster (once, after start). */
  async publishAttributes(name: string, clientUrls: string[]): Promise<void> {
    await this.propose({ memberAttributes: { memberId: this.p.memberId, name, clientUrls } });
  }

  /** Leader: revokes, through raft, leases whose TTL ran out. */
  async revokeExpiredLeases(limit: number): Promise<void> {
    for (const id of this.p.state.expiredLeases(limit)) {
      try {
        await this.propose({ leaseRevoke: { ID: id } });
      } catch (err) {
        this.p.log.debug({ lease: id.toString(16), err: String(err) }, 'revoking an expired lease failed');
      }
    }
  }

  private alarmRaising = false;

  /** Raises NOSPACE for this member (once; a write refused for space calls it). */
  raiseNoSpaceAlarm(): void {
    if (this.alarmRaising || this.p.state.alarmList().some((a) => a.memberID === this.p.memberId)) return;
    this.alarmRaising = true;
    this.propose({ alarm: { action: 1, memberID: this.p.memberId, alarm: 1 } })
      .catch((err: unknown) => this.p.log.warn({ err: String(err) }, 'raising the NOSPACE alarm failed'))
      .finally(() => {
        this.alarmRaising = false;
      });
  }

  /**
   * Proposes a request and resolves with its response once this member applied it. A request
   * larger than --max-request-bytes is refused before it reaches raft.
   */
  private async propose(request: Omit<kvpb.InternalRequest, 'header'>): Promise<object> {
    const id = this.ids.id();
    const full = kvpb.InternalRequest.fromPartial({ ...request, header: { id } });
    const data = kvpb.InternalRequest.encode(full).finish();
    if (data.length > this.p.config.maxRequestBytes) throw new KvError('RequestTooLarge');
    try {
      this.p.state.checkQuota(full, data.length);
    } catch (err) {
      // like etcd: a write refused for space raises the NOSPACE alarm for the cluster to see
      this.raiseNoSpaceAlarm();
      throw err;
    }
    const result = this.p.waits.register(id);
    this.p.raft.propose(data, (err) => {
      this.p.waits.fail(id, isRaftError(err) ? new KvError(this.leaderId === 0n ? 'NoLeader' : 'Timeout') : err);
    });
    const response = (await result) as { header?: etcdserverpb.ResponseHeader };
    return this.stamp(response);
  }
}

/** A txn whose branches only read: served like a read, without raft. */
export function isReadOnlyTxn(req: etcdserverpb.TxnRequest): boolean {
  const readOnly = (ops: readonly etcdserverpb.RequestOp[]): boolean =>
    ops.every(
      (op) =>
        op.requestPut === undefined &&
        op.requestDeleteRange === undefined &&
        (op.requestTxn === undefined || isReadOnlyTxn(op.requestTxn)),
    );
  return readOnly(req.success) && readOnly(req.failure);
}
