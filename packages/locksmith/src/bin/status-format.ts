import type { Semaphore } from '../semaphore/semaphore.js';

/** locksmithctl status: `Available: N`, `Max: M`, then a blank line and the holders under MACHINE ID. */
export function formatStatus(s: Semaphore): string {
  let out = `Available: ${s.semaphore}\nMax: ${s.max}\n`;
  const holders = s.holders ?? [];
  if (holders.length > 0) out += `\nMACHINE ID\n${holders.map((h) => `${h}\n`).join('')}`;
  return out;
}
