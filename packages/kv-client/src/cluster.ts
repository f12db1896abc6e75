import { etcdserverpb } from '@coreos-ts/proto';
import type { CallOptions, CallRunner } from './call-runner.js';
import { type Header, toHeader } from './kv-types.js';

export interface Member {
  id: bigint;
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  isLearner: boolean;
}

export interface MembersResult {
  header: Header;
  members: Member[];
}

export function toMember(member: etcdserverpb.Member): Member {
  return {
    id: member.ID,
    name: member.name,
    peerUrls: member.peerURLs,
    clientUrls: member.clientURLs,
    isLearner: member.isLearner,
  };
}

const C = etcdserverpb.ClusterService;

function members(response: { header: etcdserverpb.ResponseHeader | undefined; members: etcdserverpb.Member[] }) {
  return { header: toHeader(response.header), members: response.members.map(toMember) };
}

/** Cluster membership. Changes are writes: never retried once sent. */
export class ClusterApi {
  constructor(private readonly runner: CallRunner) {}

  async memberList(options: CallOptions & { linearizable?: boolean } = {}): Promise<MembersResult> {
    const response = await this.runner.unary(
      C.memberList,
      { linearizable: options.linearizable ?? false },
      { ...options, mutating: false },
    );
    return members(response);
  }

  async memberAdd(
    peerUrls: string[],
    options: CallOptions & { learner?: boolean } = {},
  ): Promise<MembersResult & { member: Member }> {
    const response = await this.runner.unary(
      C.memberAdd,
      { peerURLs: peerUrls, isLearner: options.learner ?? false },
      { ...options, mutating: true },
    );
    if (!response.member) throw new Error('member add answer carries no member');
    return { ...members(response), member: toMember(response.member) };
  }

  async memberRemove(id: bigint, options: CallOptions = {}): Promise<MembersResult> {
    return members(await this.runner.unary(C.memberRemove, { ID: id }, { ...options, mutating: true }));
  }

  async memberUpdate(id: bigint, peerUrls: string[], options: CallOptions = {}): Promise<MembersResult> {
    return members(
      await this.runner.unary(C.memberUpdate, { ID: id, peerURLs: peerUrls }, { ...options, mutating: true }),
    );
  }

  async memberPromote(id: bigint, options: CallOptions = {}): Promise<MembersResult> {
    return members(await this.runner.unary(C.memberPromote, { ID: id }, { ...options, mutating: true }));
  }
}
