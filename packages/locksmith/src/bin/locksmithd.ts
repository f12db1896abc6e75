#!/usr/bin/env node
// locksmithd: reboots this machine when update-engine says an update needs one, inside the
// reboot window, holding a slot of locksmith's semaphore in kv (strategy etcd-lock). Flags fall
// back to LOCKSMITHD_* variables, then to locksmith's REBOOT_STRATEGY / REBOOT_WINDOW_*.
import './quiet-warnings.js';
import { createLogger, envOption, LOG_LEVELS, type LogLevel, parseDuration, runCommand } from '@coreos-ts/grpc-kit';
import { credentials } from '@grpc/grpc-js';
import { Command, Option } from 'commander';
import { ConfigError } from '../config-error.js';
import { defaultDaemonConfig, parseStrategy, validateDaemonConfig } from '../daemon/daemon-config.js';
import { DEFAULT_REBOOT_COMMAND, startLocksmithd } from '../daemon/locksmithd.js';
import { DEFAULT_GROUP } from '../semaphore/keys.js';
import { KvSemaphoreStore } from '../store/kv-semaphore-store.js';
import { parseRebootWindow } from '../window/reboot-window.js';
import { addKvOptions, type KvFlags, kvClientFrom, readMachineId } from './kv-options.js';

const P = 'LOCKSMITHD';

interface Flags extends KvFlags {
  group?: string;
  machineId?: string;
  strategy?: string;
  windowStart?: string;
  windowLength?: string;
  timeZone?: string;
  updateEngine: string;
  fleet?: string;
  drain?: boolean;
  rebootCommand: string;
  listen?: string;
  fleetlockListen?: string;
  staleLockTtl?: string;
  livenessLeaseTtl?: string;
  lockBackoffInitial?: string;
  lockBackoffMax?: string;
  logLevel: string;
}

/** The first variable of `names` that is set and not empty. */
function firstEnv(...names: string[]): string | undefined {
  for (const name of names) {
    const value = process.env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function hostPort(flag: string, text: string): { host: string; port: number } {
  const match = /^(.*):(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || !Number.isInteger(port) || port > 65_535) {
    throw new ConfigError([`${flag} ("${text}") must be host:port`]);
  }
  return { host: match[1] === '' ? '0.0.0.0' : (match[1] ?? ''), port };
}

function durationMs(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    const ms = parseDuration(text);
    if (ms > 0) return ms;
  } catch {}
  throw new ConfigError([`${flag} ("${text}") must be a duration above 0, such as 90s or 1h`]);
}

const program = new Command('locksmithd').description(
  'Reboots this machine after an update, inside the reboot window, bounded by the reboot semaphore in kv',
);
addKvOptions(program, P)
  .addOption(envOption(P, '--group <name>', 'locksmith group (default: the default group)'))
  .addOption(envOption(P, '--machine-id <id>', "this machine's id (default: the contents of /etc/machine-id)"))
  .addOption(
    envOption(
      P,
      '--strategy <name>',
      'etcd-lock (alias kv-lock), reboot or off (also REBOOT_STRATEGY); default reboot',
    ),
  )
  .addOption(
    envOption(
      P,
      '--window-start <start>',
      '"HH:MM" or "<Day> HH:MM" (also LOCKSMITHD_REBOOT_WINDOW_START, REBOOT_WINDOW_START)',
    ),
  )
  .addOption(
    envOption(
      P,
      '--window-length <duration>',
      'e.g. 1h30m (also LOCKSMITHD_REBOOT_WINDOW_LENGTH, REBOOT_WINDOW_LENGTH)',
    ),
  )
  .addOption(envOption(P, '--time-zone <zone>', "IANA zone of the window (default: the host's zone)"))
  .addOption(envOption(P, '--update-engine <addr>', "update-engine's gRPC address").default('127.0.0.1:7070'))
  .addOption(envOption(P, '--fleet <addr>', "fleet's gRPC address (for --drain)"))
  .addOption(
    new Option('--drain', "drain this machine's fleet units before rebooting, undrain after boot").env(`${P}_DRAIN`),
  )
  .addOption(envOption(P, '--reboot-command <cmd>', 'the command that reboots').default(DEFAULT_REBOOT_COMMAND))
  .addOption(envOption(P, '--listen <addr>', 'serve the locksmith.v1.Locksmith gRPC service here (host:port)'))
  .addOption(envOption(P, '--fleetlock-listen <addr>', 'serve FleetLock (Zincati) here (host:port)'))
  .addOption(
    envOption(
      P,
      '--stale-lock-ttl <duration>',
      'release holders whose liveness key has been gone this long (off by default)',
    ),
  )
  .addOption(
    envOption(
      P,
      '--liveness-lease-ttl <duration>',
      "this holder's liveness lease (default: 60s, or a third of the stale-lock TTL)",
    ),
  )
  .addOption(envOption(P, '--lock-backoff-initial <duration>', 'wait after a refused lock, doubling (default 5s)'))
  .addOption(envOption(P, '--lock-backoff-max <duration>', 'the longest wait between lock attempts (default 5m)'))
  .addOption(envOption(P, '--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`).default('info'))
  .action(async (flags: Flags) => {
    const log = createLogger({ level: flags.logLevel as LogLevel, name: 'locksmithd' });
    let locksmithd: Awaited<ReturnType<typeof startLocksmithd>> | undefined;
    let store: KvSemaphoreStore | undefined;
    let kv: ReturnType<typeof kvClientFrom> | undefined;
    const shutdown = async (code: number) => {
      await locksmithd?.stop();
      await store?.close().catch((err: unknown) => {
        log.warn({ reason: err instanceof Error ? err.message : String(err) }, 'liveness lease not revoked');
      });
      kv?.close();
      process.exit(code);
    };
    try {
      const window = parseRebootWindow({
        windowStart: flags.windowStart ?? firstEnv(`${P}_REBOOT_WINDOW_START`, 'REBOOT_WINDOW_START'),
        windowLength: flags.windowLength ?? firstEnv(`${P}_REBOOT_WINDOW_LENGTH`, 'REBOOT_WINDOW_LENGTH'),
        timeZone: flags.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      });
      const defaults = defaultDaemonConfig();
      const daemon = validateDaemonConfig({
        ...defaults,
        strategy: parseStrategy(flags.strategy ?? firstEnv('REBOOT_STRATEGY')),
        window,
        drain: flags.drain === true,
        lockBackoff: {
          initialMs: durationMs('lock-backoff-initial', flags.lockBackoffInitial) ?? defaults.lockBackoff.initialMs,
          maxMs: durationMs('lock-backoff-max', flags.lockBackoffMax) ?? defaults.lockBackoff.maxMs,
        },
      });
      const staleLockTtlMs = durationMs('stale-lock-ttl', flags.staleLockTtl);
      const livenessMs = durationMs('liveness-lease-ttl', flags.livenessLeaseTtl);
      const serving = flags.listen !== undefined || flags.fleetlockListen !== undefined;
      kv = kvClientFrom(flags, log.child({ component: 'kv' }));
      store = new KvSemaphoreStore({ client: kv, log });
      locksmithd = await startLocksmithd({
        store,
        machineId: flags.machineId ?? readMachineId(),
        group: flags.group ?? DEFAULT_GROUP,
        daemon,
        updateEngine: { address: flags.updateEngine, credentials: credentials.createInsecure() },
        ...(flags.fleet ? { fleet: { address: flags.fleet, credentials: credentials.createInsecure() } } : {}),
        rebootCommand: flags.rebootCommand,
        ...(flags.listen !== undefined ? { grpcListen: flags.listen } : {}),
        ...(flags.fleetlockListen !== undefined
          ? { fleetLockListen: hostPort('fleetlock-listen', flags.fleetlockListen) }
          : {}),
        ...(staleLockTtlMs !== undefined ? { staleLockTtlMs } : {}),
        ...(livenessMs !== undefined ? { livenessLeaseTtlSeconds: Math.max(1, Math.ceil(livenessMs / 1000)) } : {}),
        log,
        onExit: () => {
          // strategy off: nothing to do but serve, if asked to
          if (!serving) void shutdown(0);
        },
      });
    } catch (err) {
      log.error({ reason: err instanceof Error ? err.message : String(err) }, 'locksmithd failed to start');
      process.stderr.write(`locksmithd: ${err instanceof Error ? err.message : String(err)}\n`);
      await shutdown(1);
    }
    process.once('SIGINT', () => void shutdown(0));
    process.once('SIGTERM', () => void shutdown(0));
  });

await runCommand(program);
