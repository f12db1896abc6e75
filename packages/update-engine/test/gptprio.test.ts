import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type BootSlot,
  chooseBootSlot,
  decodeGptPrio,
  encodeGptPrio,
  type GptPrioAttributes,
  markSlotGood,
  prioritizeForTrial,
} from '../src/core/gptprio.js';

const attrsArb = fc.record({
  priority: fc.integer({ min: 0, max: 15 }),
  tries: fc.integer({ min: 0, max: 15 }),
  successful: fc.boolean(),
});
const slotsArb = fc
  .array(attrsArb, { minLength: 1, maxLength: 6 })
  .map((as) => as.map((attributes, i): BootSlot => ({ name: `S${i}`, attributes })));

describe('gptprio attribute bits', () => {
  it('round-trips and keeps unrelated bits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), attrsArb, (word, attrs) => {
        const out = encodeGptPrio(word, attrs);
        expect(decodeGptPrio(out)).toEqual(attrs);
        const mask = (0xffn << 48n) | (1n << 56n);
        expect(out & ~mask).toBe(word & ~mask);
      }),
    );
  });

  it('puts priority at bit 48, tries at 52 and successful at 56', () => {
    expect(encodeGptPrio(0n, { priority: 1, tries: 0, successful: false })).toBe(1n << 48n);
    expect(encodeGptPrio(0n, { priority: 0, tries: 1, successful: false })).toBe(1n << 52n);
    expect(encodeGptPrio(0n, { priority: 0, tries: 0, successful: true })).toBe(1n << 56n);
    expect(() => encodeGptPrio(0n, { priority: 16, tries: 0, successful: false })).toThrow(RangeError);
  });
});

// The naive model: sort bootable slots by priority descending, stable.
function naiveChoice(slots: readonly BootSlot[]): string | null {
  const bootable = slots
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.attributes.priority > 0 && (s.attributes.successful || s.attributes.tries > 0));
  bootable.sort((a, b) => b.s.attributes.priority - a.s.attributes.priority || a.i - b.i);
  return bootable[0]?.s.name ?? null;
}

describe('chooseBootSlot', () => {
  it('agrees with a naive sort and decrements tries only when there are some', () => {
    fc.assert(
      fc.property(slotsArb, (slots) => {
        const choice = chooseBootSlot(slots);
        expect(choice.slot).toBe(naiveChoice(slots));
        if (choice.slot === null) {
          expect(choice.newAttributes).toBeNull();
          return;
        }
        const before = slots.find((s) => s.name === choice.slot)!.attributes;
        expect(choice.newAttributes).toEqual({ ...before, tries: Math.max(0, before.tries - 1) });
      }),
    );
  });

  it('falls back to the successful slot once a trial slot runs out of tries (rollback)', () => {
    let slots: BootSlot[] = [
      { name: 'USR-A', attributes: { priority: 1, tries: 0, successful: true } },
      { name: 'USR-B', attributes: { priority: 0, tries: 0, successful: false } },
    ];
    slots = prioritizeForTrial(slots, 'USR-B');
    expect(slots[1]!.attributes).toEqual({ priority: 2, tries: 1, successful: false });
    const first = chooseBootSlot(slots);
    expect(first).toEqual({ slot: 'USR-B', newAttributes: { priority: 2, tries: 0, successful: false } });
    slots = slots.map((s) => (s.name === first.slot ? { name: s.name, attributes: first.newAttributes! } : s));
    expect(chooseBootSlot(slots).slot).toBe('USR-A');
  });

  it('a slot marked good keeps booting', () => {
    fc.assert(
      fc.property(slotsArb, fc.nat(), (slots, pick) => {
        const target = slots[pick % slots.length]!.name;
        const good = markSlotGood(slots, target);
        const choice = chooseBootSlot(good);
        expect(choice.slot).toBe(target);
        expect(choice.newAttributes).toEqual(good.find((s) => s.name === target)!.attributes);
        // priorities stay within 4 bits and the target is strictly highest
        const top = good.find((s) => s.name === target)!.attributes.priority;
        for (const s of good) if (s.name !== target) expect(s.attributes.priority).toBeLessThan(top);
      }),
    );
  });

  it('prioritizeForTrial gives one try, unsuccessful, strictly highest priority', () => {
    fc.assert(
      fc.property(slotsArb, fc.nat(), (slots, pick) => {
        const target = slots[pick % slots.length]!.name;
        const out = prioritizeForTrial(slots, target);
        const t = out.find((s) => s.name === target)!.attributes as GptPrioAttributes;
        expect(t.tries).toBe(1);
        expect(t.successful).toBe(false);
        expect(chooseBootSlot(out).slot).toBe(target);
      }),
    );
  });
});
