// The engine's operating errors: each carries the update_engine error code the server hears.
import { errorCodeName } from '../omaha/omaha-codes.js';

export class UpdateError extends Error {
  override readonly name = 'UpdateError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }

  get codeName(): string {
    return errorCodeName(this.code);
  }
}
