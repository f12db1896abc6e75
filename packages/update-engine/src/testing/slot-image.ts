// Test helper: put a payload (e.g. the installed 1.0.0) straight into a slot.
import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BootControl, SlotName } from '../boot/boot-control.js';
import { writeSlot } from '../boot/slot-writer.js';

export async function installPayloadInSlot(control: BootControl, slot: SlotName, payload: Buffer): Promise<void> {
  const path = join(tmpdir(), `slot-image-${process.pid}-${Date.now()}-${slot}`);
  await writeFile(path, payload);
  try {
    await writeSlot(await control.device(slot), path, createHash('sha256').update(payload).digest('base64'));
  } finally {
    await rm(path, { force: true });
  }
}
