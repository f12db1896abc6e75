// Posts an Omaha request and classifies the outcome the way update_engine does: network
// errors and 5xx feed the back-off; other HTTP errors are 2000 + status; bad XML is 31.
import { ErrorCode } from '../omaha/omaha-codes.js';
import { encodeOmahaRequest, type OmahaRequest } from '../omaha/omaha-request.js';
import { decodeOmahaResponse, type OmahaResponse } from '../omaha/omaha-response.js';

export type OmahaExchange =
  | { readonly kind: 'ok'; readonly response: OmahaResponse }
  | { readonly kind: 'network-error'; readonly errorCode: number; readonly message: string }
  | { readonly kind: 'server-error'; readonly errorCode: number; readonly message: string }
  | { readonly kind: 'client-error'; readonly errorCode: number; readonly message: string };

export const MAX_OMAHA_RESPONSE_BYTES = 1 << 20;

export async function exchangeOmaha(
  serverUrl: string,
  request: OmahaRequest,
  timeoutMs: number,
): Promise<OmahaExchange> {
  let res: Response;
  try {
    res = await fetch(serverUrl, {
      method: 'POST',
      body: encodeOmahaRequest(request),
      headers: { 'content-type': 'text/xml' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { kind: 'network-error', errorCode: ErrorCode.OmahaRequestError, message: describe(err) };
  }
  let body: string;
  try {
    body = await res.text();
  } catch (err) {
    return { kind: 'network-error', errorCode: ErrorCode.OmahaRequestError, message: describe(err) };
  }
  if (res.status >= 500) {
    return {
      kind: 'server-error',
      errorCode: ErrorCode.OmahaRequestHTTPResponseBase + res.status,
      message: `HTTP ${res.status}`,
    };
  }
  if (res.status !== 200) {
    return {
      kind: 'client-error',
      errorCode: ErrorCode.OmahaRequestHTTPResponseBase + res.status,
      message: `HTTP ${res.status}`,
    };
  }
  if (body.trim() === '')
    return { kind: 'client-error', errorCode: ErrorCode.OmahaRequestEmptyResponseError, message: 'empty response' };
  if (body.length > MAX_OMAHA_RESPONSE_BYTES) {
    return { kind: 'client-error', errorCode: ErrorCode.OmahaRequestXMLParseError, message: 'response too large' };
  }
  try {
    return { kind: 'ok', response: decodeOmahaResponse(body) };
  } catch (err) {
    return { kind: 'client-error', errorCode: ErrorCode.OmahaRequestXMLParseError, message: describe(err) };
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}
