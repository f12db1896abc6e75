// An observer for the scenarios: the machines' reboots, from the supervisors' state events. A
// machine reboots from 'stopping' until it is 'up' again; the observer keeps when each reboot
// began and the most machines rebooting at once.
import type { Machine, MachineState } from '../src/machine.js';

export interface RebootStart {
  readonly machine: string;
  readonly atMs: number;
}

export interface RebootObserver {
  /** Every reboot's start ('stopping'), in order. */
  readonly starts: readonly RebootStart[];
  /** The most machines between 'stopping' and 'up' at the same moment. */
  rebootingMax(): number;
  stop(): void;
}

export function observeReboots(machines: readonly Machine[]): RebootObserver {
  const starts: RebootStart[] = [];
  const down = new Set<string>();
  let most = 0;
  const listeners = machines.map((m) => {
    const listener = (state: MachineState) => {
      if (state === 'stopping' && !down.has(m.name)) {
        down.add(m.name);
        starts.push({ machine: m.name, atMs: Date.now() });
        most = Math.max(most, down.size);
      } else if (state === 'up') down.delete(m.name);
    };
    m.events.on('state', listener);
    return () => m.events.off('state', listener);
  });
  return {
    starts,
    rebootingMax: () => most,
    stop: () => {
      for (const off of listeners) off();
    },
  };
}
