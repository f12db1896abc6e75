import type { KeyObject } from 'node:crypto';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootControl, SlotName } from '../src/boot/boot-control.js';
import { GptBootControl } from '../src/boot/gpt-boot-control.js';
import { hashRange, writeSlot } from '../src/boot/slot-writer.js';
import { silentLogger } from '../src/engine/logger.js';
import { UpdateEngine } from '../src/engine/update-engine.js';
import { defaultUpdateEngineConfig, type UpdateEngineConfig } from '../src/engine/update-engine-config.js';
import { buildPayload } from '../src/payload/payload-format.js';
import { createTestDisk } from '../src/testing/disk-image.js';
import { ManualTimers } from '../src/testing/manual-timers.js';

export const keys = generateKeyPairSync('ed25519');
export const otherKeys = generateKeyPairSync('ed25519');

export function image(bytes: number, seed: number): Buffer {
  const b = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) b[i] = (i * 131 + seed * 7) & 0xff;
  return b;
}

export function payloadFor(version: string, bytes: number, key: KeyObject = keys.privateKey): Buffer {
  return buildPayload(image(bytes, version.length + bytes), version, key);
}

export interface Machine {
  dir: string;
  disk: string;
  bootControl: BootControl;
  stateDir: string;
}

/** A GPT disk with 1.0.0 installed in USR-A. */
export async function makeMachine(usrMiB = 4): Promise<Machine> {
  const dir = mkdtempSync(join(tmpdir(), 'ue-machine-'));
  const disk = join(dir, 'disk.img');
  createTestDisk(disk, { usrMiB });
  const bootControl = new GptBootControl(disk);
  const v1 = payloadFor('1.0.0', 100_000);
  const v1Path = join(dir, 'v1.payload');
  writeFileSync(v1Path, v1);
  await writeSlot(await bootControl.device('A'), v1Path, createHash('sha256').update(v1).digest('base64'));
  const stateDir = join(dir, 'state');
  mkdirSync(stateDir);
  return { dir, disk, bootControl, stateDir };
}

export async function slotHash(bc: BootControl, slot: SlotName): Promise<string> {
  const d = await bc.device(slot);
  return hashRange(d.path, d.offset, d.sizeBytes);
}

export function engineFor(
  m: { bootControl: BootControl; stateDir: string },
  server: string,
  overrides: Partial<UpdateEngineConfig> & {
    bootedSlot?: SlotName;
    healthy?: () => Promise<boolean>;
    reboot?: () => Promise<void>;
  } = {},
) {
  const timers = new ManualTimers();
  const { bootedSlot, healthy, reboot, ...config } = overrides;
  const engine = new UpdateEngine(
    {
      ...defaultUpdateEngineConfig(),
      server,
      machineId: 'dbff85b41ae14f41bde761eefbdafaac',
      bootId: 'boot-1',
      stateDir: m.stateDir,
      publicKeyPem: 'inline',
      healthWindowMs: 0,
      initialCheckDelayMs: 60_000,
      schedule: { intervalMs: 60_000, fuzzMs: 0, backoffMaxMs: 480_000 },
      requestTimeoutMs: 5_000,
      ...config,
    },
    {
      bootControl: m.bootControl,
      bootedSlot: bootedSlot ?? 'A',
      publicKey: keys.publicKey,
      clock: timers,
      timers,
      random: () => 0.5,
      logger: silentLogger,
      healthProbe: healthy ?? (async () => true),
      reboot: reboot ?? (async () => {}),
    },
  );
  return { engine, timers };
}
