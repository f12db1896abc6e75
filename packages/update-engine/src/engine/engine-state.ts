// What the engine keeps across restarts and reboots: the update waiting to be confirmed, and the
// events the server has not heard yet. One JSON file, replaced atomically.
import { open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { SlotName } from '../boot/boot-control.js';
import type { OmahaEvent } from '../omaha/omaha-request.js';

export interface PendingUpdate {
  readonly version: string;
  readonly slot: SlotName;
  /** The version that ran when the slot was written (reported as previousversion). */
  readonly previousVersion: string;
  /** Boot during which the slot was written (same boot = still waiting for the reboot). */
  readonly bootId: string;
  readonly phase: 'need-reboot' | 'health-failed';
}

/** An attempt in progress: if the process dies, the next start reports it. */
export interface InterruptedAttempt {
  readonly version: string;
  readonly phase: 'downloading' | 'writing';
}

export interface EngineState {
  readonly pending?: PendingUpdate;
  readonly attempt?: InterruptedAttempt;
  readonly queuedEvents: readonly OmahaEvent[];
}

/** The state without its in-progress attempt marker. */
export function withoutAttempt(state: EngineState): EngineState {
  const { attempt: _attempt, ...rest } = state;
  return rest;
}

export const MAX_QUEUED_EVENTS = 16;

export class EngineStateFile {
  private readonly path: string;
  constructor(dir: string) {
    this.path = join(dir, 'engine-state.json');
  }

  async load(): Promise<EngineState> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as EngineState;
      return { ...parsed, queuedEvents: parsed.queuedEvents ?? [] };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { queuedEvents: [] };
      throw err;
    }
  }

  async save(state: EngineState): Promise<void> {
    const bounded = { ...state, queuedEvents: state.queuedEvents.slice(-MAX_QUEUED_EVENTS) };
    const tmp = `${this.path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(`${JSON.stringify(bounded, null, 2)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, this.path);
  }
}
