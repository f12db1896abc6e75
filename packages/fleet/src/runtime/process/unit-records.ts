/**
 * What the process runtime remembers on disk about each unit it started, so a new runtime on the
 * same state dir can adopt the process: `<stateDir>/units/<unit>.json`, written atomically.
 */
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceConfig } from '../service-config.js';

export interface UnitRecord {
  readonly name: string;
  readonly pid: number;
  /** From /proc/<pid>/stat; tells the recorded process from a later one with the same pid. */
  readonly startTime: string;
  readonly startedAtMs: number;
  readonly restarts: number;
  readonly config: ServiceConfig;
}

export class UnitRecords {
  readonly dir: string;
  constructor(stateDir: string) {
    this.dir = join(stateDir, 'units');
  }

  async init(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
  }

  async write(record: UnitRecord): Promise<void> {
    const path = join(this.dir, `${record.name}.json`);
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify(record));
    await rename(tmp, path);
  }

  async remove(name: string): Promise<void> {
    await rm(join(this.dir, `${name}.json`), { force: true });
  }

  /** Every readable record; unreadable ones are reported by name so the caller can log them. */
  async readAll(): Promise<{ records: UnitRecord[]; broken: string[] }> {
    const records: UnitRecord[] = [];
    const broken: string[] = [];
    for (const file of (await readdir(this.dir)).filter((f) => f.endsWith('.json')).sort()) {
      try {
        const record = JSON.parse(await readFile(join(this.dir, file), 'utf8')) as UnitRecord;
        if (typeof record.pid !== 'number' || typeof record.startTime !== 'string') throw new Error('bad record');
        records.push(record);
      } catch {
        broken.push(file);
      }
    }
    return { records, broken };
  }
}
