import type { Logger } from '@coreos-ts/grpc-kit';
import { etcdserverpb, type kvpb } from '@coreos-ts/proto';
import type { AuthStore } from '../auth/auth-store.js';
import { KvError } from '../errors.js';
import { type Backend, bucketKey, bucketRange } from '../mvcc/backend.js';
import { defaultMvccConfig } from '../mvcc/mvcc-config.js';
import { MvccStore } from '../mvcc/mvcc-store.js';
import { WriteBuffer } from '../mvcc/write-buffer.js';
import { WatchHub } from '../watch/watch-hub.js';
import { dumpToBuffer, restoreBackend } from './db-snapshot.js';
import type { LeaseKeeper } from './lease-keeper.js';
import { Membership } from './membership.js';

export interface StateMachineOptions {
  backend: Backend;
  memberId: bigint;
  maxTxnOps: number;
  quotaBytes: number;
  log: Logger;
  leases: LeaseKeeper;
  auth: AuthStore;
}

/**
 * Everything raft entries are applied to: the MVCC store, leases, membership and alarms, over
 * one backend. Deterministic: the same entries in the same order give the same state on every
 * member. Replaced wholesale when a snapshot from the leader is installed.
 */
export class StateMachine {
  private mvcc!: MvccStore;
  private hub!: WatchHub;
  private members!: Membership;
  private readonly alarms = new Map<string, etcdserverpb.AlarmMember>();
  private buffer!: WriteBuffer;
  private dbSize = 0;
  readonly quotaBytes: number;

  private constructor(private readonly o: StateMachineOptions) {
    this.quotaBytes = o.quotaBytes;
  }

  static async open(options: StateMachineOptions): Promise<StateMachine> {
    const sm = new StateMachine(options);
    await sm.load();
    return sm;
  }

  private async load(): Promise<void> {
    const buffer = new WriteBuffer(this.o.backend);
    this.hub?.close();
    // Leases first: opening the store re-attaches every key to its lease.
    await this.o.leases.load(buffer);
    await this.o.auth.load(buffer, this.o.backend);
    this.mvcc = await MvccStore.open(buffer, {
      config: { ...defaultMvccConfig(), maxTxnOps: this.o.maxTxnOps },
      leases: this.o.leases.attachments(),
    });
    this.hub = new WatchHub(this.mvcc);
    this.members = await Membership.load(buffer);
    this.buffer = buffer;
    this.alarms.clear();
    for await (const [, value] of this.o.backend.entries(bucketRange(ALARM_BUCKET))) {
      const a = etcdserverpb.AlarmMember.decode(value);
      this.alarms.set(alarmKey(a.memberID, a.alarm), a);
    }
  }

  store(): MvccStore {
    return this.mvcc;
  }

  watchHub(): WatchHub {
    return this.hub;
  }

  membership(): Membership {
    return this.members;
  }

  /** Replaces the whole state by a snapshot's (from the leader, or a backup being restored). */
  async install(data: Buffer): Promise<void> {
    await this.mvcc.flush();
    await restoreBackend(this.o.backend, data);
    await this.load();
  }

  /** The whole store, for a snapshot: everything applied so far, written out first. */
  async dump(): Promise<Buffer> {
    await this.mvcc.flush();
    return dumpToBuffer(this.o.backend);
  }

  /** Writes out what is applied and compacts the backend's files (reclaims deleted space). */
  async defragment(): Promise<void> {
    await this.mvcc.flush();
    await this.o.backend.compact?.();
  }

  setDbSize(bytes: number): void {
    this.dbSize = bytes;
  }

  onRoleChange(isLeader: boolean): void {
    this.o.leases.onRoleChange(isLeader);
  }

  newLeaseId(): bigint {
    return this.o.leases.newId();
  }

  renewLease(id: bigint, isLeader: boolean): bigint {
    return this.o.leases.renew(id, isLeader);
  }

  leaseTimeToLive(req: etcdserverpb.LeaseTimeToLiveRequest): etcdserverpb.LeaseTimeToLiveResponse {
    return this.o.leases.timeToLive(req, this.mvcc);
  }

  expiredLeases(limit: number): bigint[] {
    return this.o.leases.expired(limit);
  }

  leaseIds(): bigint[] {
    return this.o.leases.ids();
  }

  alarmList(): etcdserverpb.AlarmMember[] {
    return [...this.alarms.values()];
  }

  alarmErrors(): string[] {
    return this.alarmList().map((a) => `memberID:${a.memberID} alarm:${etcdserverpb.AlarmType[a.alarm]} `);
  }

  /**
   * Refuses, before proposing, a request that would grow the store while the NOSPACE alarm is
   * raised or the backend is over its quota (etcd's quota check). Deletes and compactions pass.
   */
  checkQuota(request: kvpb.InternalRequest, bytes: number): void {
    if (!growsStore(request)) return;
    const noSpace = [...this.alarms.values()].some((a) => a.alarm === etcdserverpb.AlarmType.NOSPACE);
    if (noSpace || this.dbSize + bytes > this.quotaBytes) throw new KvError('NoSpace');
  }

  /** Applies one client request; throws a KvError that the proposer receives. */
  apply(request: kvpb.InternalRequest): object {
    if (request.put) return this.mvcc.put(request.put);
    if (request.deleteRange) return this.mvcc.deleteRange(request.deleteRange);
    if (request.txn) return this.mvcc.txn(request.txn);
    if (request.compaction) return this.mvcc.compact(request.compaction);
    if (request.leaseGrant) return this.o.leases.grant(request.leaseGrant, this.mvcc);
    if (request.leaseRevoke) return this.o.leases.revoke(request.leaseRevoke, this.mvcc);
    if (request.alarm) return this.applyAlarm(request.alarm);
    if (request.memberAttributes) {
      const a = request.memberAttributes;
      this.members.setAttributes(a.memberId, a.name, a.clientUrls);
      return {};
    }
    this.o.auth.apply(request, Date.now());
    return { header: undefined };
  }

  auth(): AuthStore {
    return this.o.auth;
  }

  private applyAlarm(req: etcdserverpb.AlarmRequest): etcdserverpb.AlarmResponse {
    const key = alarmKey(req.memberID, req.alarm);
    const member = { memberID: req.memberID, alarm: req.alarm };
    if (req.action === etcdserverpb.AlarmRequest_AlarmAction.ACTIVATE) {
      if (req.alarm !== etcdserverpb.AlarmType.NONE) {
        this.alarms.set(key, member);
        this.buffer.put(alarmBackendKey(member), Buffer.from(etcdserverpb.AlarmMember.encode(member).finish()));
      }
      this.o.log.warn({ member: req.memberID.toString(16), alarm: etcdserverpb.AlarmType[req.alarm] }, 'alarm raised');
      return { header: undefined, alarms: [member] };
    }
    if (req.action === etcdserverpb.AlarmRequest_AlarmAction.DEACTIVATE) {
      const removed: etcdserverpb.AlarmMember[] = [];
      for (const [k, a] of this.alarms) {
        if ((req.memberID === 0n || a.memberID === req.memberID) && (req.alarm === 0 || a.alarm === req.alarm)) {
          removed.push(a);
          this.alarms.delete(k);
          this.buffer.del(alarmBackendKey(a));
        }
      }
      return { header: undefined, alarms: removed };
    }
    return { header: undefined, alarms: this.alarmList() };
  }
}

/** Alarms live in their own bucket, so they survive restarts and travel in snapshots. */
const ALARM_BUCKET = 0x41; // 'A'

function alarmKey(memberID: bigint, alarm: number): string {
  return `${memberID}:${alarm}`;
}

function alarmBackendKey(a: etcdserverpb.AlarmMember): Buffer {
  const suffix = Buffer.allocUnsafe(9);
  suffix.writeBigUInt64BE(a.memberID);
  suffix[8] = a.alarm;
  return bucketKey(ALARM_BUCKET, suffix);
}

function growsStore(request: kvpb.InternalRequest): boolean {
  if (request.put || request.leaseGrant) return true;
  if (request.txn) return txnHasPut(request.txn);
  return false;
}

function txnHasPut(txn: etcdserverpb.TxnRequest): boolean {
  return [...txn.success, ...txn.failure].some(
    (op) => op.requestPut !== undefined || (op.requestTxn !== undefined && txnHasPut(op.requestTxn)),
  );
}
