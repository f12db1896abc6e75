#!/usr/bin/env node
// fleetd: the agent, the engine and the fleet.v1.Fleet API of one machine.
import { readFileSync } from 'node:fs';
import {
  createLogger,
  envOption,
  LOG_LEVELS,
  type LogLevel,
  parseDuration,
  parseList,
  runCommand,
} from '@coreos-ts/grpc-kit';
import { Command, InvalidArgumentError } from 'commander';
import { parseMachineMetadata } from '../scheduler/machine.js';
import { startFleetd } from '../server/fleetd.js';
import { defaultFleetdConfig, type FleetdConfig } from '../server/fleetd-config.js';

const defaults = defaultFleetdConfig();
const opt = (flags: string, description: string) => envOption('FLEET', flags, description);

function seconds(text: string): number {
  const ms = parseDuration(/^\d+$/.test(text) ? `${text}s` : text);
  if (ms % 1000 !== 0) throw new InvalidArgumentError(`"${text}" must be a whole number of seconds`);
  return ms / 1000;
}

function durationMs(text: string): number {
  // fleet's engine_reconcile_interval is a number of seconds; Go durations work too
  return /^\d+(\.\d+)?$/.test(text) ? Number(text) * 1000 : parseDuration(text);
}

function metadata(text: string): Record<string, string> {
  try {
    return parseMachineMetadata(text);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function machineIdFromHost(): string {
  try {
    return readFileSync('/etc/machine-id', 'utf8').trim();
  } catch {
    return '';
  }
}

const program = new Command('fleetd')
  .description('fleet daemon: runs the units the engine places on this machine, and the engine')
  .addOption(
    opt('--etcd-servers <urls>', 'comma-separated kv (etcd v3) endpoints').default(defaults.etcdServers.join(',')),
  )
  .addOption(opt('--etcd-key-prefix <prefix>', 'registry key prefix').default(defaults.etcdKeyPrefix))
  .addOption(opt('--etcd-cafile <path>', 'CA for the kv endpoints'))
  .addOption(opt('--etcd-certfile <path>', 'client certificate for the kv endpoints'))
  .addOption(opt('--etcd-keyfile <path>', 'client key for the kv endpoints'))
  .addOption(opt('--machine-id <id>', 'this machine (default: /etc/machine-id)'))
  .addOption(opt('--public-ip <ip>', 'address shown by list-machines').default(''))
  .addOption(opt('--metadata <pairs>', 'machine metadata, e.g. region=eu,disk=ssd').default('').argParser(metadata))
  .addOption(opt('--agent-ttl <duration>', 'machine lease TTL, e.g. 30s').default('30s').argParser(seconds))
  .addOption(
    opt('--agent-reconcile-interval <duration>', 'agent pass interval (default: a sixth of agent-ttl, at most 5s)'),
  )
  .addOption(
    opt('--engine-reconcile-interval <duration>', 'engine pass interval (seconds, or a duration)')
      .default('2')
      .argParser(durationMs),
  )
  .addOption(opt('--disable-engine', 'never become the engine leader').default(false))
  .addOption(opt('--listen <address>', 'gRPC listen address').default('127.0.0.1:7666'))
  .addOption(opt('--state-dir <path>', 'unit records and logs').default(defaults.stateDir))
  .addOption(
    opt('--docker-socket <path>', 'dockerd socket for .container units ("" disables)').default(defaults.dockerSocket),
  )
  .addOption(
    opt('--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`)
      .default('info')
      .choices(LOG_LEVELS as string[]),
  )
  .action(async (o: Record<string, unknown>) => {
    const ttlSeconds = o.agentTtl as number;
    const agentInterval =
      o.agentReconcileInterval === undefined
        ? Math.min(5_000, Math.max(100, Math.floor((ttlSeconds * 1000) / 6)))
        : durationMs(String(o.agentReconcileInterval));
    const tls =
      o.etcdCafile || o.etcdCertfile || o.etcdKeyfile
        ? {
            ...(o.etcdCafile ? { caFile: String(o.etcdCafile) } : {}),
            ...(o.etcdCertfile ? { certFile: String(o.etcdCertfile) } : {}),
            ...(o.etcdKeyfile ? { keyFile: String(o.etcdKeyfile) } : {}),
          }
        : undefined;
    const config: FleetdConfig = {
      ...defaults,
      etcdServers: parseList(String(o.etcdServers)),
      etcdKeyPrefix: String(o.etcdKeyPrefix),
      ...(tls ? { etcdTls: tls } : {}),
      machineId: String(o.machineId ?? machineIdFromHost()),
      publicIp: String(o.publicIp),
      metadata: o.metadata as Record<string, string>,
      agentTtlSeconds: ttlSeconds,
      agentReconcileIntervalMs: agentInterval,
      engineReconcileIntervalMs: o.engineReconcileInterval as number,
      disableEngine: o.disableEngine === true,
      listen: String(o.listen),
      stateDir: String(o.stateDir),
      dockerSocket: String(o.dockerSocket),
    };
    const log = createLogger({ level: o.logLevel as LogLevel, name: 'fleetd' });
    let fleetd: Awaited<ReturnType<typeof startFleetd>>;
    try {
      fleetd = await startFleetd(config, log);
    } catch (err) {
      process.stderr.write(`fleetd: ${(err as Error).message}\n`);
      process.exit(1);
    }
    // the address on stdout, so whoever started us (tests, scripts) learns a picked port
    process.stdout.write(`fleetd listening on ${fleetd.address}\n`);
    await new Promise<void>((resolve) => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => resolve());
    });
    await fleetd.stop();
    process.exit(0);
  });

await runCommand(program);
