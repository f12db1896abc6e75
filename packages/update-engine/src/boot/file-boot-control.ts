// Boot control for development: two slot files and a flags file (JSON, replaced atomically).
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { type GptPrioAttributes, isValidGptPrio } from '../core/gptprio.js';
import type { BootControl, SlotDevice, SlotFlags, SlotName } from './boot-control.js';

export interface FileBootControlOptions {
  readonly dir: string;
  /** Slot files; default `<dir>/usr-a.img` and `<dir>/usr-b.img`. */
  readonly slotPaths?: Readonly<Record<SlotName, string>>;
  readonly slotBytes: number;
}

type FlagsFile = Record<SlotName, GptPrioAttributes>;

const INITIAL_FLAGS: FlagsFile = {
  A: { priority: 1, tries: 0, successful: true },
  B: { priority: 0, tries: 0, successful: false },
};

export class FileBootControl implements BootControl {
  readonly kind = 'file';
  private readonly flagsPath: string;
  private readonly slotPaths: Readonly<Record<SlotName, string>>;

  constructor(private readonly options: FileBootControlOptions) {
    this.flagsPath = join(options.dir, 'boot-flags.json');
    this.slotPaths = options.slotPaths ?? { A: join(options.dir, 'usr-a.img'), B: join(options.dir, 'usr-b.img') };
  }

  private async load(): Promise<FlagsFile> {
    let text: string;
    try {
      text = await readFile(this.flagsPath, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return INITIAL_FLAGS;
      throw err;
    }
    const parsed = JSON.parse(text) as FlagsFile;
    for (const slot of ['A', 'B'] as const) {
      if (!isValidGptPrio(parsed[slot])) throw new Error(`${this.flagsPath}: invalid flags for slot ${slot}`);
    }
    return parsed;
  }

  async readFlags(): Promise<SlotFlags[]> {
    const flags = await this.load();
    return (['A', 'B'] as const).map((name) => ({ name, label: this.slotPaths[name], attributes: flags[name] }));
  }

  async writeFlags(changes: ReadonlyMap<SlotName, GptPrioAttributes>): Promise<void> {
    const flags = { ...(await this.load()) };
    for (const [slot, attrs] of changes) {
      if (!isValidGptPrio(attrs)) throw new RangeError(`invalid flags for slot ${slot}`);
      flags[slot] = attrs;
    }
    const tmp = `${this.flagsPath}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(`${JSON.stringify(flags, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.flagsPath);
  }

  async device(slot: SlotName): Promise<SlotDevice> {
    return { path: this.slotPaths[slot], offset: 0, sizeBytes: this.options.slotBytes };
  }
}
