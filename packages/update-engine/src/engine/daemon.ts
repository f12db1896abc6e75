// Assembles a running update-engine from its config: boot control, engine, gRPC listener.
// Used by the update-engine binary and by harnesses that run simulated machines in-process.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Logger, type RunningServer, startServer } from '@coreos-ts/grpc-kit';
import { ServerCredentials } from '@grpc/grpc-js';
import type { BootControl, SlotName } from '../boot/boot-control.js';
import { FileBootControl } from '../boot/file-boot-control.js';
import { GptBootControl } from '../boot/gpt-boot-control.js';
import { updateEngineService } from '../grpc/update-engine-service.js';
import { loadPublicKey } from '../payload/payload-format.js';
import { type Clock, type Random, systemClock, systemTimers, type Timers } from './clock.js';
import { commandProbe } from './health-check.js';
import { type PostBootOutcome, UpdateEngine } from './update-engine.js';
import { type UpdateEngineConfig, validateUpdateEngineConfig } from './update-engine-config.js';

export interface DaemonOptions {
  readonly config: UpdateEngineConfig;
  /** gRPC listen address ('' = no gRPC listener). */
  readonly listen: string;
  readonly logger: Logger;
  readonly bootedSlot: SlotName;
  readonly clock?: Clock;
  readonly timers?: Timers;
  readonly random?: Random;
  /** Reboot hook; default runs config.rebootCommand. */
  readonly reboot?: () => Promise<void>;
  /** Slot size for the file boot control (no --disk). */
  readonly fileSlotBytes?: number;
}

export interface RunningDaemon {
  readonly engine: UpdateEngine;
  readonly grpc: RunningServer | null;
  /** What the post-boot step did (confirmed the new slot, saw a rollback, ...). */
  readonly postBoot: PostBootOutcome;
  stop(): Promise<void>;
}

export function commandHook(command: string, logger: Logger, what: string): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (command === '') {
        logger.warn({ what }, 'no command configured');
        resolve();
        return;
      }
      const child = spawn('sh', ['-c', command], { stdio: 'ignore' });
      child.on('error', (err) => {
        logger.error({ err: err.message, what }, 'hook failed to start');
        resolve();
      });
      child.on('exit', (code) => {
        if (code !== 0) logger.error({ code, what }, 'hook exited with an error');
        resolve();
      });
    });
}

export function bootControlFor(config: UpdateEngineConfig, fileSlotBytes: number): BootControl {
  if (config.disk !== '') return new GptBootControl(config.disk);
  return new FileBootControl({ dir: join(config.stateDir, 'slots'), slotBytes: fileSlotBytes });
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { config, logger } = options;
  const errors = validateUpdateEngineConfig(config);
  if (errors.length > 0) throw new Error(`invalid update-engine config: ${errors.join('; ')}`);
  const bootControl = bootControlFor(config, options.fileSlotBytes ?? 4 * 1024 * 1024 * 1024);
  const publicKey = loadPublicKey(await readFile(config.publicKeyPem));
  const engine = new UpdateEngine(config, {
    bootControl,
    bootedSlot: options.bootedSlot,
    publicKey,
    clock: options.clock ?? systemClock,
    timers: options.timers ?? systemTimers,
    random: options.random ?? Math.random,
    logger,
    healthProbe: commandProbe(config.healthCommand),
    reboot: options.reboot ?? commandHook(config.rebootCommand, logger, 'reboot'),
  });
  const grpc =
    options.listen === ''
      ? null
      : await startServer({
          address: options.listen,
          credentials: ServerCredentials.createInsecure(),
          services: [updateEngineService(engine, bootControl.kind)],
          log: logger,
        });
  const postBoot = await engine.start();
  logger.info({ postBoot, version: engine.getRunningVersion(), slot: options.bootedSlot }, 'update-engine started');
  return {
    engine,
    grpc,
    postBoot,
    async stop() {
      engine.stop();
      await engine.idle();
      await grpc?.stop();
    },
  };
}
