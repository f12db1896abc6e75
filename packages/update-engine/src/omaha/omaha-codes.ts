// Omaha event types and results, and update_engine's ActionExitCode error codes.

export const EventType = {
  Unknown: 0,
  DownloadComplete: 1,
  InstallComplete: 2,
  UpdateComplete: 3,
  UpdateDownloadStarted: 13,
  UpdateDownloadFinished: 14,
} as const;

export const EventResult = {
  Error: 0,
  Success: 1,
  SuccessReboot: 2,
  UpdateDeferred: 9,
} as const;

export const ErrorCode = {
  Success: 0,
  Error: 1,
  OmahaRequestError: 2,
  OmahaResponseHandlerError: 3,
  FilesystemCopierError: 4,
  PostinstallRunnerError: 5,
  InstallDeviceOpenError: 7,
  DownloadTransferError: 9,
  PayloadHashMismatchError: 10,
  PayloadSizeMismatchError: 11,
  DownloadPayloadVerificationError: 12,
  DownloadWriteError: 14,
  NewRootfsVerificationError: 15,
  DownloadPayloadPubKeyVerificationError: 18,
  OmahaRequestEmptyResponseError: 30,
  OmahaRequestXMLParseError: 31,
  OmahaResponseInvalid: 34,
  OmahaErrorInHTTPResponse: 37,
  RollbackError: 44,
  DownloadIncomplete: 100,
  OmahaRequestHTTPResponseBase: 2000,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Flag OR-ed into an error code when the failed download had been resumed. */
export const ERROR_FLAG_RESUMED = 1 << 30;

export function errorCodeName(code: number): string {
  const base = code & ~ERROR_FLAG_RESUMED;
  if (base >= ErrorCode.OmahaRequestHTTPResponseBase) return `OmahaRequestHTTPResponse${base - 2000}`;
  for (const [name, value] of Object.entries(ErrorCode)) if (value === base) return name;
  return `Error${base}`;
}
