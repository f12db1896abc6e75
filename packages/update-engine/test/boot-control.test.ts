// One conformance suite for both boot controls, plus GPT checks against cgpt and sgdisk.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type BootControl,
  readSlotVersion,
  simulateBoot,
  toBootSlots,
  writeBootSlots,
} from '../src/boot/boot-control.js';
import { FileBootControl } from '../src/boot/file-boot-control.js';
import { bootDiskImage, GptBootControl } from '../src/boot/gpt-boot-control.js';
import { markSlotGood, prioritizeForTrial } from '../src/core/gptprio.js';
import { cgptShowAttributes, createTestDisk, sgdiskVerify } from '../src/testing/disk-image.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'boot-control-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const implementations: Array<[string, () => BootControl]> = [
  [
    'gpt',
    () => {
      const disk = join(dir, 'disk.img');
      createTestDisk(disk, { usrMiB: 2 });
      return new GptBootControl(disk);
    },
  ],
  [
    'file',
    () => {
      execFileSync('truncate', ['-s', '2M', join(dir, 'usr-a.img'), join(dir, 'usr-b.img')]);
      return new FileBootControl({ dir, slotBytes: 2 * 1024 * 1024 });
    },
  ],
];

describe.each(implementations)('BootControl conformance: %s', (_name, make) => {
  it('starts with A booting successfully and B empty', async () => {
    const bc = make();
    const flags = await bc.readFlags();
    expect(flags.map((f) => [f.name, f.attributes])).toEqual([
      ['A', { priority: 1, tries: 0, successful: true }],
      ['B', { priority: 0, tries: 0, successful: false }],
    ]);
    expect(await readSlotVersion(await bc.device('B'))).toBeNull();
  });

  it('persists writes, boots a trial slot once, then falls back', async () => {
    const bc = make();
    await writeBootSlots(bc, prioritizeForTrial(toBootSlots(await bc.readFlags()), 'B'));
    expect((await bc.readFlags())[1]!.attributes).toEqual({ priority: 2, tries: 1, successful: false });
    expect(await simulateBoot(bc)).toBe('B');
    expect((await bc.readFlags())[1]!.attributes.tries).toBe(0);
    expect(await simulateBoot(bc)).toBe('A');
    await writeBootSlots(bc, markSlotGood(toBootSlots(await bc.readFlags()), 'A'));
    expect(await simulateBoot(bc)).toBe('A');
  });

  it('survives any sequence of attribute writes (model check)', async () => {
    const bc = make();
    const attrs = fc.record({
      priority: fc.integer({ min: 0, max: 15 }),
      tries: fc.integer({ min: 0, max: 15 }),
      successful: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom('A' as const, 'B' as const), attrs), { maxLength: 5 }),
        async (writes) => {
          const model = new Map((await bc.readFlags()).map((f) => [f.name, f.attributes]));
          for (const [slot, a] of writes) {
            await bc.writeFlags(new Map([[slot, a]]));
            model.set(slot, a);
          }
          const flags = await bc.readFlags();
          expect(flags.map((f) => f.attributes)).toEqual([model.get('A'), model.get('B')]);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('exposes distinct, non-overlapping slot devices', async () => {
    const bc = make();
    const a = await bc.device('A');
    const b = await bc.device('B');
    expect(a.sizeBytes).toBeGreaterThan(0);
    if (a.path === b.path) expect(a.offset + a.sizeBytes <= b.offset || b.offset + b.sizeBytes <= a.offset).toBe(true);
  });
});

describe('GPT boot control against cgpt and sgdisk', () => {
  it('keeps both headers and entry CRCs valid while flipping attributes', async () => {
    const disk = join(dir, 'disk.img');
    createTestDisk(disk, { usrMiB: 2 });
    const bc = new GptBootControl(disk);
    await writeBootSlots(bc, prioritizeForTrial(toBootSlots(await bc.readFlags()), 'B'));
    expect(cgptShowAttributes(disk, 4)).toEqual({ priority: 2, tries: 1, successful: 0 });
    expect(cgptShowAttributes(disk, 3)).toEqual({ priority: 1, tries: 0, successful: 1 });
    sgdiskVerify(disk);
    const boot = await bootDiskImage(disk);
    expect(boot).toEqual({
      slot: 'B',
      partitionLabel: 'USR-B',
      attributes: { priority: 2, tries: 0, successful: false },
    });
    expect(cgptShowAttributes(disk, 4)).toEqual({ priority: 2, tries: 0, successful: 0 });
    sgdiskVerify(disk);
    expect((await bootDiskImage(disk)).slot).toBe('A');
  });

  it('writes the same attributes to the backup GPT', async () => {
    const disk = join(dir, 'disk.img');
    createTestDisk(disk, { usrMiB: 2 });
    const bc = new GptBootControl(disk);
    await bc.writeFlags(new Map([['B', { priority: 7, tries: 3, successful: true }]]));
    // sgdisk -b / -l: back up, then destroy the primary header and recover from the backup
    const fd = readFileSync(disk);
    fd.fill(0, 512, 1024);
    const broken = join(dir, 'broken.img');
    writeFileSync(broken, fd);
    execFileSync('sgdisk', ['-e', broken], { stdio: 'pipe' }); // rewrites primary from the valid backup
    expect(cgptShowAttributes(broken, 4)).toEqual({ priority: 7, tries: 3, successful: 1 });
  });
});
