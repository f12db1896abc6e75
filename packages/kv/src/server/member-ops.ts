import { createHash } from 'node:crypto';
import { type etcdserverpb, kvpb } from '@coreos-ts/proto';
import { type ConfChange, ConfChangeType, type RawNode } from '@coreos-ts/raft';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { KvError } from '../errors.js';
import { forwardPromote } from './leader-forward.js';
import type { Membership } from './membership.js';
import type { WaitRegistry } from './wait-registry.js';

/** A learner may be promoted once it has at least this share of the leader's log. */
const LEARNER_READY_RATIO = 0.9;

export interface MemberOpsParts {
  memberId: bigint;
  clusterToken: string;
  membership(): Membership;
  raw(): RawNode;
  isLeader(): boolean;
  /** Proposes a conf change through raft (the node wrapper wakes the Ready loop). */
  propose(cc: ConfChange): void;
  /** Conf changes waited for, by the member ID they change. */
  waits: WaitRegistry<object>;
  /** Resolves once the leader committed in its term and this member applied up to there. */
  barrier(): Promise<void>;
  /** The leader's client URL, for what only the leader can decide. */
  leaderClientUrl(): string | undefined;
  /** How this member dials other members' client URLs. */
  clientCredentials: ChannelCredentials;
}

/**
 * Runtime membership (etcd's Cluster API): every change is a raft conf change that takes
 * effect when applied; the caller is answered once this member applied it.
 */
export class MemberOps {
  constructor(private readonly p: MemberOpsParts) {}

  async add(req: etcdserverpb.MemberAddRequest): Promise<etcdserverpb.Member> {
    const urls = [...req.peerURLs].sort();
    if (urls.length === 0) throw new KvError('PeerUrlExist');
    const taken = new Set(
      this.p
        .membership()
        .list()
        .flatMap((m) => m.peerURLs),
    );
    if (urls.some((u) => taken.has(u))) throw new KvError('PeerUrlExist');
    // like etcd, the time makes the ID of a re-added member differ from its old one
    const id = createHash('sha1')
      .update(urls.join(''))
      .update(this.p.clusterToken)
      .update(String(Date.now()))
      .digest()
      .readBigUInt64BE(0);
    const info = kvpb.MemberInfo.fromPartial({ id, peerUrls: urls, isLearner: req.isLearner });
    await this.change({
      type: req.isLearner ? ConfChangeType.AddLearnerNode : ConfChangeType.AddNode,
      nodeId: id,
      context: kvpb.MemberInfo.encode(info).finish(),
    });
    return { ID: id, name: '', peerURLs: urls, clientURLs: [], isLearner: req.isLearner };
  }

  async remove(id: bigint): Promise<void> {
    const member = this.p.membership().get(id);
    if (!member) throw new KvError('MemberNotFound');
    if (!member.isLearner) this.checkQuorumAfterRemoval(id);
    await this.change({ type: ConfChangeType.RemoveNode, nodeId: id, context: new Uint8Array(0) });
  }

  async update(id: bigint, peerUrls: string[]): Promise<void> {
    const member = this.p.membership().get(id);
    if (!member) throw new KvError('MemberNotFound');
    const others = new Set(
      this.p
        .membership()
        .list()
        .filter((m) => m.ID !== id)
        .flatMap((m) => m.peerURLs),
    );
    if (peerUrls.some((u) => others.has(u))) throw new KvError('PeerUrlExist');
    const info = kvpb.MemberInfo.fromPartial({ ...member, peerUrls: [...peerUrls].sort() });
    await this.change({ type: ConfChangeType.UpdateNode, nodeId: id, context: kvpb.MemberInfo.encode(info).finish() });
  }

  async promote(id: bigint): Promise<void> {
    const member = this.p.membership().get(id);
    if (!member) throw new KvError('MemberNotFound');
    if (!member.isLearner) throw new KvError('MemberNotLearner');
    if (!this.p.isLeader()) {
      // only the leader knows how far the learner got: ask it (etcd forwards the same way)
      const url = this.p.leaderClientUrl();
      if (url === undefined) throw new KvError('NoLeader');
      await forwardPromote(url, id, this.p.clientCredentials);
      return;
    }
    const status = this.p.raw().status();
    const learner = status.progress?.get(id);
    const leader = status.progress?.get(this.p.memberId);
    if (!learner || !leader || learner.match < leader.match * LEARNER_READY_RATIO) {
      throw new KvError('LearnerNotReady');
    }
    const info = kvpb.MemberInfo.fromPartial({ ...member, isLearner: false });
    await this.change({ type: ConfChangeType.AddNode, nodeId: id, context: kvpb.MemberInfo.encode(info).finish() });
  }

  /**
   * Refuses a removal that would leave fewer active voters than the new configuration's
   * quorum (etcd's strict reconfiguration check). Only the leader knows who is active.
   */
  private checkQuorumAfterRemoval(id: bigint): void {
    if (!this.p.isLeader()) return;
    const status = this.p.raw().status();
    const voters = status.config.voters.filter((v) => v !== id);
    const active = voters.filter((v) => v === this.p.memberId || status.progress?.get(v)?.recentActive === true);
    if (active.length < Math.floor(voters.length / 2) + 1) throw new KvError('Unhealthy');
  }

  private async change(cc: ConfChange): Promise<void> {
    // raft refuses a conf change while a new leader has not applied its own config yet; a
    // barrier first keeps a change right after an election from being silently dropped
    await this.p.barrier();
    const applied = this.p.waits.register(cc.nodeId);
    try {
      this.p.propose(cc);
    } catch {
      this.p.waits.fail(cc.nodeId, new KvError('NoLeader'));
    }
    await applied;
  }
}
