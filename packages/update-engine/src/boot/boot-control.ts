// The boot-control seam: two slots (A and B) with gptprio attributes and a byte range each.
// Implementations: GptBootControl (a GPT disk image or block device) and FileBootControl
// (two files and a JSON flags file, for development). One conformance suite checks both.
import { open } from 'node:fs/promises';
import { type BootSlot, chooseBootSlot, type GptPrioAttributes } from '../core/gptprio.js';
import { decodePayloadHeader, PAYLOAD_HEADER_BYTES } from '../payload/payload-format.js';

export type SlotName = 'A' | 'B';
export const SLOT_NAMES: readonly SlotName[] = ['A', 'B'];

export function otherSlot(slot: SlotName): SlotName {
  return slot === 'A' ? 'B' : 'A';
}

/** Where a slot's bytes live: [offset, offset + sizeBytes) of the file at `path`. */
export interface SlotDevice {
  readonly path: string;
  readonly offset: number;
  readonly sizeBytes: number;
}

export interface SlotFlags {
  readonly name: SlotName;
  /** Partition label (USR-A / USR-B) or file name. */
  readonly label: string;
  readonly attributes: GptPrioAttributes;
}

export interface BootControl {
  readonly kind: 'gpt' | 'file';
  /** Slots A then B with their current attributes. */
  readFlags(): Promise<SlotFlags[]>;
  /** Writes the given slots' attributes durably (both GPT copies, or an atomic flags file). */
  writeFlags(changes: ReadonlyMap<SlotName, GptPrioAttributes>): Promise<void>;
  device(slot: SlotName): Promise<SlotDevice>;
}

/** Reads the payload header at the start of a slot: the version it holds, or null when empty. */
export async function readSlotVersion(device: SlotDevice): Promise<string | null> {
  const fh = await open(device.path, 'r');
  try {
    const buf = Buffer.alloc(Math.min(PAYLOAD_HEADER_BYTES, device.sizeBytes));
    await fh.read(buf, 0, buf.length, device.offset);
    return decodePayloadHeader(buf)?.version ?? null;
  } finally {
    await fh.close();
  }
}

export function toBootSlots(flags: readonly SlotFlags[]): BootSlot[] {
  return flags.map((f) => ({ name: f.name, attributes: f.attributes }));
}

/** Applies slot attribute lists (from the pure gptprio helpers) to a boot control. */
export async function writeBootSlots(control: BootControl, slots: readonly BootSlot[]): Promise<void> {
  const changes = new Map<SlotName, GptPrioAttributes>();
  for (const s of slots) changes.set(s.name as SlotName, s.attributes);
  await control.writeFlags(changes);
}

/**
 * A simulated firmware boot: the bootloader's choice applied to the flags (tries decremented).
 * Returns the slot that boots, or null when nothing is bootable.
 */
export async function simulateBoot(control: BootControl): Promise<SlotName | null> {
  const choice = chooseBootSlot(toBootSlots(await control.readFlags()));
  if (choice.slot === null || choice.newAttributes === null) return null;
  const slot = choice.slot as SlotName;
  await control.writeFlags(new Map([[slot, choice.newAttributes]]));
  return slot;
}
