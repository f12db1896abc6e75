import { CancelledError } from '../errors.js';
import type { Session } from './session.js';

/**
 * An AbortSignal that fires when the caller aborts or the session is lost, and a way to turn the
 * resulting failure into the error that explains it.
 */
export interface SessionGuard {
  signal: AbortSignal;
  explain(err: unknown): unknown;
}

export function sessionGuard(session: Session, signal: AbortSignal | undefined): SessionGuard {
  return {
    signal: signal ? AbortSignal.any([signal, session.signal]) : session.signal,
    explain(err: unknown): unknown {
      if (session.isLost) {
        try {
          session.assertAlive();
        } catch (lost) {
          return lost;
        }
      }
      if (signal?.aborted && !(err instanceof CancelledError)) return new CancelledError('cancelled');
      return err;
    },
  };
}
