#!/usr/bin/env node
// update-engine: the node agent. Flags fall back to UPDATE_ENGINE_* environment variables, then
// to update.conf (GROUP, SERVER), then to defaults.
import { readFile } from 'node:fs/promises';
import { createLogger, envOption, LOG_LEVELS, type LogLevel, parseDuration, runCommand } from '@coreos-ts/grpc-kit';
import { Command } from 'commander';
import { USR_A_UUID, USR_B_UUID } from '../boot/gpt-boot-control.js';
import { startDaemon } from '../engine/daemon.js';
import {
  bootedSlotFromCmdline,
  defaultUpdateEngineConfig,
  mergeUpdateConfs,
  parseUpdateConf,
  type UpdateEngineConfig,
} from '../engine/update-engine-config.js';

const P = 'UPDATE_ENGINE';

async function readOptional(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return '';
  }
}

interface Flags {
  server?: string;
  group?: string;
  machineId?: string;
  bootId?: string;
  disk?: string;
  publicKey?: string;
  listen: string;
  stateDir?: string;
  bootedSlot?: string;
  healthCommand?: string;
  healthWindow?: string;
  rebootCommand?: string;
  checkInterval?: string;
  initialCheckDelay?: string;
  updateConf: string;
  logLevel: string;
}

const program = new Command('update-engine')
  .description('Checks an Omaha server for updates, writes the passive USR slot and flips the GPT boot priority')
  .addOption(envOption(P, '--server <url>', 'Omaha endpoint (update.conf SERVER)'))
  .addOption(envOption(P, '--group <name>', 'update group / Omaha track (update.conf GROUP)'))
  .addOption(envOption(P, '--machine-id <id>', 'machine id (default: /etc/machine-id)'))
  .addOption(envOption(P, '--boot-id <id>', 'boot id (default: /proc/sys/kernel/random/boot_id)'))
  .addOption(
    envOption(
      P,
      '--disk <path>',
      'GPT disk image or block device with USR-A/USR-B (default: file slots in the state dir)',
    ),
  )
  .addOption(envOption(P, '--public-key <pem>', 'Ed25519 public key (PEM) payload signatures must verify against'))
  .addOption(envOption(P, '--listen <addr>', 'gRPC listen address').default('127.0.0.1:7070'))
  .addOption(
    envOption(P, '--state-dir <dir>', 'state and download staging directory').default('/var/lib/update-engine'),
  )
  .addOption(envOption(P, '--booted-slot <slot>', 'slot that was booted, A or B (default: from /proc/cmdline, else A)'))
  .addOption(
    envOption(P, '--health-command <cmd>', 'command that must exit 0 after boot before the slot is marked good'),
  )
  .addOption(envOption(P, '--health-window <duration>', 'how long the health check must keep passing').default('45s'))
  .addOption(envOption(P, '--reboot-command <cmd>', 'command run to reboot after a failed health check'))
  .addOption(envOption(P, '--check-interval <duration>', 'interval between scheduled checks').default('45m'))
  .addOption(envOption(P, '--initial-check-delay <duration>', 'delay before the first scheduled check').default('7m'))
  .addOption(
    envOption(P, '--update-conf <paths>', 'update.conf files, first match wins').default(
      '/etc/flatcar/update.conf,/usr/share/flatcar/update.conf,/etc/coreos/update.conf',
    ),
  )
  .addOption(envOption(P, '--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`).default('info'))
  .action(async (flags: Flags) => {
    const logger = createLogger({ level: flags.logLevel as LogLevel, name: 'update-engine' });
    const confs = await Promise.all(
      flags.updateConf.split(',').map(async (p) => parseUpdateConf(await readOptional(p))),
    );
    const conf = mergeUpdateConfs(confs);
    const defaults = defaultUpdateEngineConfig();
    const intervalMs = parseDuration(flags.checkInterval ?? '45m');
    const config: UpdateEngineConfig = {
      ...defaults,
      server: flags.server ?? conf.get('SERVER') ?? defaults.server,
      group: flags.group ?? conf.get('GROUP') ?? defaults.group,
      machineId: flags.machineId ?? (await readOptional('/etc/machine-id')),
      bootId: flags.bootId ?? (await readOptional('/proc/sys/kernel/random/boot_id')),
      disk: flags.disk ?? '',
      publicKeyPem: flags.publicKey ?? '',
      stateDir: flags.stateDir ?? defaults.stateDir,
      healthCommand: flags.healthCommand ?? '',
      healthWindowMs: parseDuration(flags.healthWindow ?? '45s'),
      rebootCommand: flags.rebootCommand ?? '',
      schedule: {
        intervalMs,
        fuzzMs: Math.min(defaults.schedule.fuzzMs, intervalMs / 4),
        backoffMaxMs: Math.max(defaults.schedule.backoffMaxMs, intervalMs),
      },
      initialCheckDelayMs: parseDuration(flags.initialCheckDelay ?? '7m'),
    };
    let bootedSlot: 'A' | 'B';
    if (flags.bootedSlot === 'A' || flags.bootedSlot === 'B') bootedSlot = flags.bootedSlot;
    else if (flags.bootedSlot !== undefined) throw new Error(`booted-slot (${flags.bootedSlot}) must be A or B`);
    else
      bootedSlot = bootedSlotFromCmdline(await readOptional('/proc/cmdline'), { A: USR_A_UUID, B: USR_B_UUID }) ?? 'A';
    const daemon = await startDaemon({ config: { ...config, bootedSlot }, listen: flags.listen, logger, bootedSlot });
    const shutdown = () => {
      void daemon.stop().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

await runCommand(program);
