import { healthpb } from '@coreos-ts/proto';
import type { ServerWritableStream, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';

const { ServingStatus } = { ServingStatus: healthpb.HealthCheckResponse_ServingStatus };

export type HealthState = 'SERVING' | 'NOT_SERVING';

/** The serving state of each service name ('' = the whole server), watched by grpc.health.v1 clients. */
export interface HealthRegistry {
  set(service: string, state: HealthState): void;
  get(service: string): HealthState | undefined;
  /** Everything NOT_SERVING and every watch ended, for a graceful stop. */
  shutdown(): void;
}

type Watcher = ServerWritableStream<healthpb.HealthCheckRequest, healthpb.HealthCheckResponse>;

const WATCHERS_MAX = 1024;

export function createHealthService(): {
  registry: HealthRegistry;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
} {
  const states = new Map<string, HealthState>();
  const watchers = new Map<string, Set<Watcher>>();
  let watcherCount = 0;

  const toStatus = (service: string) => {
    const state = states.get(service);
    if (state === undefined) return ServingStatus.SERVICE_UNKNOWN;
    return state === 'SERVING' ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  };
  const notify = (service: string) => {
    for (const w of watchers.get(service) ?? []) w.write({ status: toStatus(service) });
  };

  const registry: HealthRegistry = {
    set(service, state) {
      if (states.get(service) === state) return;
      states.set(service, state);
      notify(service);
    },
    get: (service) => states.get(service),
    shutdown() {
      for (const service of states.keys()) registry.set(service, 'NOT_SERVING');
      for (const set of watchers.values()) for (const w of set) w.end();
      watchers.clear();
      watcherCount = 0;
    },
  };

  const implementation: healthpb.HealthServer = {
    check(call, callback) {
      const service = call.request.service;
      if (!states.has(service)) {
        callback({ code: status.NOT_FOUND, details: `unknown service ${service}` });
        return;
      }
      callback(null, { status: toStatus(service) });
    },
    watch(call) {
      if (watcherCount >= WATCHERS_MAX) {
        call.emit('error', { code: status.RESOURCE_EXHAUSTED, details: 'too many health watchers' });
        return;
      }
      const service = call.request.service;
      const set = watchers.get(service) ?? new Set<Watcher>();
      watchers.set(service, set);
      set.add(call);
      watcherCount++;
      const remove = () => {
        if (set.delete(call)) watcherCount--;
      };
      call.on('cancelled', remove);
      call.on('close', remove);
      call.on('finish', remove);
      call.write({ status: toStatus(service) });
    },
  };
  return {
    registry,
    definition: healthpb.HealthService as unknown as ServiceDefinition,
    implementation: implementation as unknown as UntypedServiceImplementation,
  };
}
