import type { WalMetadata } from './wal-types.js';

/** The closed set of WAL failure codes. */
export type WalErrorCode =
  | 'corrupt'
  | 'metadata-mismatch'
  | 'snapshot-not-found'
  | 'record-too-large'
  | 'invalid-argument'
  | 'invalid-config'
  | 'exists'
  | 'not-found'
  | 'closed'
  | 'failed';

export class WalError extends Error {
  override name = 'WalError';
  readonly code: WalErrorCode;

  constructor(code: WalErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Damage that is not a torn tail: replay refuses rather than silently dropping data. */
export class WalCorruptError extends WalError {
  override name = 'WalCorruptError';
  readonly file: string;
  readonly offset: number;
  readonly reason: string;

  constructor(file: string, offset: number, reason: string) {
    super('corrupt', `wal: corrupt record in ${file} at offset ${offset}: ${reason}`);
    this.file = file;
    this.offset = offset;
    this.reason = reason;
  }
}

/** The WAL on disk belongs to another cluster or member than the caller expects. */
export class WalMetadataMismatchError extends WalError {
  override name = 'WalMetadataMismatchError';
  readonly expected: WalMetadata;
  readonly found: WalMetadata;

  constructor(expected: WalMetadata, found: WalMetadata) {
    super(
      'metadata-mismatch',
      `wal: metadata mismatch: expected cluster ${expected.clusterId.toString(16)} member ` +
        `${expected.memberId.toString(16)}, found cluster ${found.clusterId.toString(16)} member ` +
        `${found.memberId.toString(16)}`,
    );
    this.expected = expected;
    this.found = found;
  }
}

export function isWalError(err: unknown, code?: WalErrorCode): err is WalError {
  return err instanceof WalError && (code === undefined || err.code === code);
}
