import { type ServiceBinding, unary } from '@coreos-ts/grpc-kit';
import { locksmithpb } from '@coreos-ts/proto';
import type { SemaphoreClient } from '../client/semaphore-client.js';
import type { Semaphore } from '../semaphore/semaphore.js';

/**
 * The locksmith.v1.Locksmith gRPC service over a SemaphoreClient. Errors are LocksmithErrors
 * (DomainErrors), turned into statuses by grpc-kit's one table: semaphore-full ->
 * RESOURCE_EXHAUSTED, not-holder and corrupt-semaphore -> FAILED_PRECONDITION, invalid-argument
 * -> INVALID_ARGUMENT, contention -> ABORTED.
 */
export function createLocksmithService(client: SemaphoreClient): ServiceBinding {
  const implementation: locksmithpb.LocksmithServer = {
    status: unary(async (request: locksmithpb.StatusRequest) =>
      locksmithpb.StatusResponse.fromPartial({ semaphore: toWire(await client.status(request.group)) }),
    ),
    lock: unary(async (request: locksmithpb.LockRequest) => {
      const result = await client.lock(request.id, request.group);
      return locksmithpb.LockResponse.fromPartial({
        alreadyHeld: result.alreadyHeld,
        semaphore: toWire(result.semaphore),
      });
    }),
    unlock: unary(async (request: locksmithpb.UnlockRequest) => {
      const result = await client.unlock(request.id, request.group);
      return locksmithpb.UnlockResponse.fromPartial({ semaphore: toWire(result.semaphore) });
    }),
    setMax: unary(async (request: locksmithpb.SetMaxRequest) => {
      const result = await client.setMax(request.max, request.group);
      return locksmithpb.SetMaxResponse.fromPartial({
        oldMax: result.oldMax,
        max: result.max,
        semaphore: toWire(result.semaphore),
      });
    }),
  };
  return { name: 'locksmith.v1.Locksmith', definition: locksmithpb.LocksmithService, implementation };
}

function toWire(s: Semaphore): locksmithpb.Semaphore {
  return locksmithpb.Semaphore.fromPartial({ semaphore: s.semaphore, max: s.max, holders: [...(s.holders ?? [])] });
}
