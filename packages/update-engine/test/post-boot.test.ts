import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BootSlot } from '../src/core/gptprio.js';
import { chooseBootSlot, prioritizeForTrial } from '../src/core/gptprio.js';
import { type PendingSlotUpdate, planPostBoot } from '../src/core/post-boot.js';

const installed: BootSlot[] = [
  { name: 'A', attributes: { priority: 1, tries: 0, successful: true } },
  { name: 'B', attributes: { priority: 0, tries: 0, successful: false } },
];
const pending: PendingSlotUpdate = { version: '2.0.0', slot: 'B', bootId: 'boot-1', phase: 'need-reboot' };

describe('planPostBoot', () => {
  it('follows an update through write, reboot and fallback', () => {
    const trial = prioritizeForTrial(installed, 'B');
    // same boot, flags set
    expect(planPostBoot({ pending, bootId: 'boot-1', bootedSlot: 'A', slots: trial })).toEqual({
      kind: 'waiting-for-reboot',
    });
    // same boot, flags never written
    expect(planPostBoot({ pending, bootId: 'boot-1', bootedSlot: 'A', slots: installed })).toEqual({
      kind: 'drop-pending',
    });
    // rebooted into B
    const choice = chooseBootSlot(trial);
    expect(choice.slot).toBe('B');
    expect(planPostBoot({ pending, bootId: 'boot-2', bootedSlot: 'B', slots: trial })).toEqual({
      kind: 'confirm',
      updateBooted: true,
    });
    // rebooted, but the bootloader fell back to A
    expect(planPostBoot({ pending, bootId: 'boot-3', bootedSlot: 'A', slots: trial })).toEqual({ kind: 'rolled-back' });
    // nothing pending
    expect(planPostBoot({ pending: undefined, bootId: 'boot-9', bootedSlot: 'A', slots: installed })).toEqual({
      kind: 'none',
    });
    expect(planPostBoot({ pending: undefined, bootId: 'boot-9', bootedSlot: 'B', slots: trial })).toEqual({
      kind: 'confirm',
      updateBooted: false,
    });
  });

  it('never confirms an update on a slot other than the one written, nor waits in a later boot', () => {
    const attrs = fc.record({ priority: fc.nat(15), tries: fc.nat(15), successful: fc.boolean() });
    fc.assert(
      fc.property(
        fc.tuple(attrs, attrs),
        fc.constantFrom('A', 'B'),
        fc.constantFrom('A', 'B'),
        fc.constantFrom('boot-1', 'boot-2'),
        fc.constantFrom('need-reboot' as const, 'health-failed' as const),
        ([a, b], written, booted, bootId, phase) => {
          const slots = [
            { name: 'A', attributes: a },
            { name: 'B', attributes: b },
          ];
          const plan = planPostBoot({
            pending: { version: 'v', slot: written, bootId: 'boot-1', phase },
            bootId,
            bootedSlot: booted,
            slots,
          });
          if (plan.kind === 'confirm') expect(booted).toBe(written);
          if (plan.kind === 'waiting-for-reboot') expect([bootId, phase]).toEqual(['boot-1', 'need-reboot']);
          if (plan.kind === 'rolled-back') expect(booted).not.toBe(written);
          expect(plan.kind).not.toBe('none');
        },
      ),
    );
  });
});
