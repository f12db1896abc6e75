import { DomainError, kindOfStatus } from '@coreos-ts/grpc-kit';
import { etcdserverpb } from '@coreos-ts/proto';
import { type ChannelCredentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { dialTarget } from '../transport/transport.js';

const FORWARD_TIMEOUT_MS = 5000;

/** Asks the leader to promote a learner; its refusal comes back with the leader's code and message. */
export async function forwardPromote(
  leaderClientUrl: string,
  id: bigint,
  credentials: ChannelCredentials,
): Promise<void> {
  const client = new etcdserverpb.ClusterClient(dialTarget(leaderClientUrl), credentials);
  try {
    await new Promise<void>((resolve, reject) => {
      client.memberPromote(
        etcdserverpb.MemberPromoteRequest.fromPartial({ ID: id }),
        new Metadata(),
        { deadline: Date.now() + FORWARD_TIMEOUT_MS },
        (err: ServiceError | null) => (err ? reject(err) : resolve()),
      );
    });
  } catch (err) {
    const e = err as ServiceError;
    throw new DomainError(kindOfStatus(e.code) ?? 'unavailable', e.details);
  } finally {
    client.close();
  }
}
