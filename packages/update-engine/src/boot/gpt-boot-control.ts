// Boot control on a GPT disk (image file or block device): USR-A and USR-B partitions, found by
// label, with gptprio attributes in their GPT entries.
import { chooseBootSlot, decodeGptPrio, encodeGptPrio, type GptPrioAttributes } from '../core/gptprio.js';
import type { BootControl, SlotDevice, SlotFlags, SlotName } from './boot-control.js';
import { partitionRange, readGpt, writeGptAttributes } from './gpt-disk.js';
import type { GptEntry } from './gpt-table.js';

export const USR_PARTITION_TYPE = '5dfbf5f4-2848-4bac-aa5e-0d9a20b745a6';
/** Flatcar's fixed PARTUUIDs of USR-A and USR-B. */
export const USR_A_UUID = '7130c94a-213a-4e5a-8e26-6cce9662f132';
export const USR_B_UUID = 'e03dd35c-7c2d-4a47-b3fe-27f15780a57c';
export const SLOT_LABELS: Readonly<Record<SlotName, string>> = { A: 'USR-A', B: 'USR-B' };

export class GptBootControl implements BootControl {
  readonly kind = 'gpt';
  constructor(readonly diskPath: string) {}

  private async slotEntries(): Promise<Record<SlotName, GptEntry>> {
    const table = await readGpt(this.diskPath);
    const find = (slot: SlotName) => {
      const e = table.entries.find((x) => x.name === SLOT_LABELS[slot]);
      if (e === undefined) throw new Error(`${this.diskPath} has no partition labelled ${SLOT_LABELS[slot]}`);
      return e;
    };
    return { A: find('A'), B: find('B') };
  }

  async readFlags(): Promise<SlotFlags[]> {
    const entries = await this.slotEntries();
    return (['A', 'B'] as const).map((name) => ({
      name,
      label: SLOT_LABELS[name],
      attributes: decodeGptPrio(entries[name].attributes),
    }));
  }

  async writeFlags(changes: ReadonlyMap<SlotName, GptPrioAttributes>): Promise<void> {
    const entries = await this.slotEntries();
    const words = new Map<number, bigint>();
    for (const [slot, attrs] of changes) {
      const e = entries[slot];
      words.set(e.index, encodeGptPrio(e.attributes, attrs));
    }
    await writeGptAttributes(this.diskPath, words);
  }

  async device(slot: SlotName): Promise<SlotDevice> {
    const range = partitionRange((await this.slotEntries())[slot]);
    return { path: this.diskPath, offset: range.start, sizeBytes: range.end - range.start };
  }
}

export interface DiskBootResult {
  readonly slot: SlotName | null;
  readonly partitionLabel: string | null;
  readonly attributes: GptPrioAttributes | null;
}

/** The bootloader's choice applied to a GPT disk image (for simulated machines). */
export async function bootDiskImage(diskPath: string): Promise<DiskBootResult> {
  const control = new GptBootControl(diskPath);
  const flags = await control.readFlags();
  const choice = chooseBootSlot(flags.map((f) => ({ name: f.name, attributes: f.attributes })));
  if (choice.slot === null || choice.newAttributes === null)
    return { slot: null, partitionLabel: null, attributes: null };
  const slot = choice.slot as SlotName;
  await control.writeFlags(new Map([[slot, choice.newAttributes]]));
  return { slot, partitionLabel: SLOT_LABELS[slot], attributes: choice.newAttributes };
}
