/**
 * Where locksmith keeps things in the store. The semaphore keys are locksmith's own; the
 * liveness keys are ours and sit beside each semaphore, under `holders/` (the directory
 * locksmith's README reserved for holder information but never wrote):
 *
 *   default group:  coreos.com/updateengine/rebootlock/semaphore
 *                   coreos.com/updateengine/rebootlock/holders/<id>
 *   group g:        coreos.com/updateengine/rebootlock/groups/<g>/semaphore
 *                   coreos.com/updateengine/rebootlock/groups/<g>/holders/<id>
 *
 * <g> and <id> are escaped with Go's url.QueryEscape.
 */
export const KEY_PREFIX = 'coreos.com/updateengine/rebootlock';

/** locksmith's default group: the empty string. */
export const DEFAULT_GROUP = '';

/** Group names are bounded like holder ids. */
export const GROUP_BYTES_MAX = 256;

/** Go's url.QueryEscape: keeps A-Z a-z 0-9 - _ . ~, turns space into +, the rest into %XX of UTF-8. */
export function queryEscape(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const char = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(char)) out += char;
    else if (byte === 0x20) out += '+';
    else out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function groupDir(group: string): string {
  return group === DEFAULT_GROUP ? KEY_PREFIX : `${KEY_PREFIX}/groups/${queryEscape(group)}`;
}

/** The semaphore's key for a group. */
export function semaphoreKey(group: string = DEFAULT_GROUP): string {
  return `${groupDir(group)}/semaphore`;
}

/** The lease-bound key a live holder keeps while it holds (or may hold) a slot. */
export function livenessKey(group: string, id: string): string {
  return `${groupDir(group)}/holders/${queryEscape(id)}`;
}

/** A group name's problem, if any. */
export function validateGroup(group: string): string | undefined {
  if (Buffer.byteLength(group, 'utf8') > GROUP_BYTES_MAX) return `group must be at most ${GROUP_BYTES_MAX} bytes`;
  return undefined;
}
