// What the engine does after a boot, as a pure decision over what it recorded before the reboot
// and what the bootloader did.
import { type BootSlot, chooseBootSlot } from './gptprio.js';

export interface PendingSlotUpdate {
  readonly version: string;
  /** The slot the update was written to. */
  readonly slot: string;
  /** The boot during which it was written or last judged. */
  readonly bootId: string;
  readonly phase: 'need-reboot' | 'health-failed';
}

export type PostBootPlan =
  /** Booted slot already marked good, nothing pending. */
  | { readonly kind: 'none' }
  /** Same boot as the slot write, flags set: still UPDATED_NEED_REBOOT. */
  | { readonly kind: 'waiting-for-reboot' }
  /** Same boot, but the flags never made the slot bootable (crash in between): forget it. */
  | { readonly kind: 'drop-pending' }
  /** A later boot came up on another slot: the bootloader fell back. */
  | { readonly kind: 'rolled-back' }
  /** Run the health check; on success mark the booted slot good (and report the update if pending). */
  | { readonly kind: 'confirm'; readonly updateBooted: boolean };

export function planPostBoot(input: {
  readonly pending: PendingSlotUpdate | undefined;
  readonly bootId: string;
  readonly bootedSlot: string;
  readonly slots: readonly BootSlot[];
}): PostBootPlan {
  const { pending, bootId, bootedSlot, slots } = input;
  if (pending !== undefined && pending.bootId === bootId && pending.phase === 'need-reboot') {
    return chooseBootSlot(slots).slot === pending.slot ? { kind: 'waiting-for-reboot' } : { kind: 'drop-pending' };
  }
  if (pending !== undefined && pending.slot !== bootedSlot) return { kind: 'rolled-back' };
  if (pending !== undefined) return { kind: 'confirm', updateBooted: true };
  const booted = slots.find((s) => s.name === bootedSlot);
  return booted?.attributes.successful === true ? { kind: 'none' } : { kind: 'confirm', updateBooted: false };
}
