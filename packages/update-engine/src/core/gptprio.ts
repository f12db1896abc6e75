// gptprio: the boot-slot choice of Flatcar's GRUB (`gptprio.next`) as pure functions over the
// GPT attribute word. Bits 48-51 priority, 52-55 tries left, 56 successful.

export interface GptPrioAttributes {
  readonly priority: number;
  readonly tries: number;
  readonly successful: boolean;
}

export interface BootSlot {
  readonly name: string;
  readonly attributes: GptPrioAttributes;
}

export interface BootChoice {
  /** Name of the slot that boots, or null when no slot is bootable. */
  readonly slot: string | null;
  /** The chosen slot's attributes after the attempt (tries decremented), or null. */
  readonly newAttributes: GptPrioAttributes | null;
}

const PRIORITY_SHIFT = 48n;
const TRIES_SHIFT = 52n;
const SUCCESSFUL_BIT = 1n << 56n;
const NIBBLE = 0xfn;
const GPTPRIO_MASK = (NIBBLE << PRIORITY_SHIFT) | (NIBBLE << TRIES_SHIFT) | SUCCESSFUL_BIT;

export const MAX_PRIORITY = 15;
export const MAX_TRIES = 15;

export function decodeGptPrio(word: bigint): GptPrioAttributes {
  return {
    priority: Number((word >> PRIORITY_SHIFT) & NIBBLE),
    tries: Number((word >> TRIES_SHIFT) & NIBBLE),
    successful: (word & SUCCESSFUL_BIT) !== 0n,
  };
}

/** Writes the gptprio fields into `word`, keeping every other attribute bit. */
export function encodeGptPrio(word: bigint, attrs: GptPrioAttributes): bigint {
  if (!isValidGptPrio(attrs)) throw new RangeError(`invalid gptprio attributes ${JSON.stringify(attrs)}`);
  return (
    (word & ~GPTPRIO_MASK) |
    (BigInt(attrs.priority) << PRIORITY_SHIFT) |
    (BigInt(attrs.tries) << TRIES_SHIFT) |
    (attrs.successful ? SUCCESSFUL_BIT : 0n)
  );
}

export function isValidGptPrio(attrs: GptPrioAttributes): boolean {
  const nibble = (n: number) => Number.isInteger(n) && n >= 0 && n <= 15;
  return nibble(attrs.priority) && nibble(attrs.tries);
}

/**
 * The bootloader's choice: the highest-priority slot (priority > 0) that is successful or has
 * tries left; ties go to the first slot in table order. A slot with tries left has them
 * decremented by the attempt.
 */
export function chooseBootSlot(slots: readonly BootSlot[]): BootChoice {
  let best: BootSlot | undefined;
  for (const slot of slots) {
    const a = slot.attributes;
    if (a.priority === 0 || !(a.successful || a.tries > 0)) continue;
    if (best === undefined || a.priority > best.attributes.priority) best = slot;
  }
  if (best === undefined) return { slot: null, newAttributes: null };
  const a = best.attributes;
  return { slot: best.name, newAttributes: a.tries > 0 ? { ...a, tries: a.tries - 1 } : a };
}

/**
 * What the update side does to a freshly written slot (`cgpt add -S0 -T1; cgpt prioritize`):
 * not successful, one try, priority above every other slot.
 */
export function prioritizeForTrial(slots: readonly BootSlot[], target: string): BootSlot[] {
  return prioritize(slots, target, { tries: 1, successful: false });
}

/** What `setgoodroot` does to the booted slot: successful, no tries needed, highest priority. */
export function markSlotGood(slots: readonly BootSlot[], target: string): BootSlot[] {
  return prioritize(slots, target, { tries: 0, successful: true });
}

function prioritize(
  slots: readonly BootSlot[],
  target: string,
  fields: { tries: number; successful: boolean },
): BootSlot[] {
  if (!slots.some((s) => s.name === target)) throw new RangeError(`no slot named ${target}`);
  // Keep the others' relative order, squeezed below the target: target gets the top priority.
  const others = slots.filter((s) => s.name !== target && s.attributes.priority > 0);
  const ranked = [...others].sort((x, y) => x.attributes.priority - y.attributes.priority);
  const newPriority = new Map<string, number>();
  ranked.forEach((s, i) => {
    newPriority.set(s.name, Math.min(i + 1, MAX_PRIORITY - 1));
  });
  const top = Math.min(ranked.length + 1, MAX_PRIORITY);
  return slots.map((s) => {
    if (s.name === target) return { name: s.name, attributes: { priority: top, ...fields } };
    const p = newPriority.get(s.name);
    return p === undefined ? s : { name: s.name, attributes: { ...s.attributes, priority: p } };
  });
}
