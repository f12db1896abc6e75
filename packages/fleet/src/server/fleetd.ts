/**
 * One fleetd: a kv client, the runtimes, the agent, the engine (unless disabled) and the
 * fleet.v1.Fleet gRPC API, started and stopped together.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Logger, type RunningServer, serverCredentials, startServer } from '@coreos-ts/grpc-kit';
import { KvClient } from '@coreos-ts/kv-client';
import { Agent } from '../agent/agent.js';
import { createFleetService } from '../api/fleet-service.js';
import { Engine } from '../engine/engine.js';
import { RegistryKeys } from '../registry/keys.js';
import { Registry } from '../registry/registry.js';
import { DockerRuntime, defaultDockerRuntimeConfig } from '../runtime/docker/docker-runtime.js';
import { ProcessRuntime } from '../runtime/process/process-runtime.js';
import { defaultProcessRuntimeConfig } from '../runtime/process/process-runtime-config.js';
import type { UnitRuntime } from '../runtime/unit-runtime.js';
import { type FleetdConfig, validateFleetdConfig } from './fleetd-config.js';

export interface RunningFleetd {
  readonly machineId: string;
  /** host:port of the gRPC API. */
  readonly address: string;
  readonly agent: Agent;
  readonly engine: Engine | undefined;
  readonly registry: Registry;
  /** Graceful stop: units keep running (the next fleetd on this state dir adopts them). */
  stop(): Promise<void>;
  /** Like kill -9 for in-process use: nothing resigns or revokes; leases run out on their own. */
  crash(): Promise<void>;
}

export async function startFleetd(config: FleetdConfig, logger: Logger): Promise<RunningFleetd> {
  validateFleetdConfig(config);
  const log = logger.child({ machineId: config.machineId.slice(0, 8) });
  const client = new KvClient({
    endpoints: [...config.etcdServers],
    ...(config.etcdTls ? { tls: config.etcdTls } : {}),
    logger: log.child({ component: 'kv-client' }),
  });
  const keys = new RegistryKeys(config.etcdKeyPrefix);
  const registry = new Registry(client, keys);
  const processRuntime = await ProcessRuntime.open({
    ...defaultProcessRuntimeConfig(join(config.stateDir, 'process')),
    logger: log,
  });
  let dockerRuntime: UnitRuntime | undefined;
  if (config.dockerSocket !== '' && existsSync(config.dockerSocket)) {
    dockerRuntime = new DockerRuntime({
      ...defaultDockerRuntimeConfig(config.machineId),
      socketPath: config.dockerSocket,
      logger: log,
    });
  }
  // the API serves journals of local units through the agent, which needs the API's address first
  let localAgent: Agent | undefined;
  const service = createFleetService({ registry, localAgent: () => localAgent, journalLinesMax: 10_000 });
  const server: RunningServer = await startServer({
    address: config.listen,
    credentials: serverCredentials(undefined),
    services: [service],
    log: log.child({ component: 'api' }),
  });
  const host = config.listen.slice(0, config.listen.lastIndexOf(':'));
  const address = `${host === '' || host === '0.0.0.0' || host === '[::]' ? config.publicIp || '127.0.0.1' : host}:${server.port}`;
  const agent = new Agent({
    client,
    keys,
    machineId: config.machineId,
    publicIp: config.publicIp,
    metadata: config.metadata,
    apiAddress: address,
    ttlSeconds: config.agentTtlSeconds,
    reconcileIntervalMs: config.agentReconcileIntervalMs,
    retryMs: config.retryMs,
    logger: log.child({ component: 'agent' }),
    processRuntime,
    ...(dockerRuntime ? { dockerRuntime } : {}),
  });
  localAgent = agent;
  const engine = config.disableEngine
    ? undefined
    : new Engine({
        client,
        keys,
        machineId: config.machineId,
        logger: log.child({ component: 'engine' }),
        reconcileIntervalMs: config.engineReconcileIntervalMs,
        leaderTtlSeconds: config.agentTtlSeconds,
        writesPerTxnMax: 100,
        retryMs: config.retryMs,
      });
  agent.start();
  engine?.start();
  log.info({ address, engine: engine !== undefined }, 'fleetd started');
  let stopping: Promise<void> | undefined;
  const shutdown = (crash: boolean): Promise<void> => {
    stopping ??= (async () => {
      await server.stop(500);
      if (crash) await engine?.abandon();
      else await engine?.stop();
      await agent.stop();
      await processRuntime.close();
      await dockerRuntime?.close();
      client.close();
      log.info({}, 'fleetd stopped');
    })();
    return stopping;
  };
  return {
    machineId: config.machineId,
    address,
    agent,
    engine,
    registry,
    stop: () => shutdown(false),
    crash: () => shutdown(true),
  };
}
