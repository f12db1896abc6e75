/** update_engine's status that means "a new slot is written, reboot to use it". */
export const NEED_REBOOT_STATUS = 'UPDATE_STATUS_UPDATED_NEED_REBOOT';

/** The operations locksmithd performs and hears back about, each retried with back-off. */
export type Operation = 'lock' | 'unlock' | 'drain' | 'undrain';

/** What happens to locksmithd: its inputs. */
export type DaemonEvent =
  /** locksmithd started on a (re)booted machine. */
  | { type: 'boot-completed' }
  /** update_engine's status changed (its name, e.g. UPDATE_STATUS_IDLE). */
  | { type: 'update-status'; status: string }
  | { type: 'lock-acquired' }
  | { type: 'lock-refused'; reason: string }
  | { type: 'unlocked' }
  | { type: 'unlock-failed'; reason: string }
  | { type: 'drained' }
  | { type: 'drain-failed'; reason: string }
  | { type: 'undrained' }
  | { type: 'undrain-failed'; reason: string }
  /** The reboot command exited (ok: exit status 0). */
  | { type: 'reboot-finished'; ok: boolean; reason?: string }
  /** A wait ended: the window may have opened or closed, a back-off may have run out. */
  | { type: 'window-opened' }
  | { type: 'window-closed' }
  | { type: 'timer' };

/** What locksmithd should do: its outputs. Each operation is answered by its events. */
export type DaemonAction =
  | { type: 'exit'; reason: string }
  /** Sleep until the window opens, then deliver `window-opened`. */
  | { type: 'wait-for-window'; untilMs: number }
  /** Sleep until an operation's back-off runs out, then deliver `timer`. */
  | { type: 'wait-for-backoff'; operation: Operation; untilMs: number }
  | { type: 'try-lock' }
  | { type: 'unlock' }
  | { type: 'drain' }
  | { type: 'undrain' }
  | { type: 'run-reboot' };
