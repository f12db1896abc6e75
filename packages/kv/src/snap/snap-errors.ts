export type SnapErrorCode = 'corrupt' | 'too-large' | 'invalid-argument' | 'invalid-config';

export class SnapError extends Error {
  override name = 'SnapError';
  readonly code: SnapErrorCode;

  constructor(code: SnapErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A snapshot file that fails verification. */
export class SnapCorruptError extends SnapError {
  override name = 'SnapCorruptError';
  readonly file: string;
  readonly reason: string;

  constructor(file: string, reason: string) {
    super('corrupt', `snap: corrupt snapshot file ${file}: ${reason}`);
    this.file = file;
    this.reason = reason;
  }
}
