// Downloads a payload to a staging file with resume: an existing partial file is continued with
// a Range request; a connection cut mid-body is resumed up to `resumeMax` times.
import { open, stat, truncate } from 'node:fs/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ERROR_FLAG_RESUMED, ErrorCode } from '../omaha/omaha-codes.js';
import { UpdateError } from './update-error.js';

const WRITE_BATCH_BYTES = 1 << 20;

export interface DownloadOptions {
  readonly resumeMax: number;
  readonly onProgress?: (bytes: number) => void;
  readonly signal?: AbortSignal;
  /** Idle timeout per response, ms. */
  readonly idleTimeoutMs?: number;
}

export interface DownloadResult {
  readonly resumed: boolean;
  readonly requests: number;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export async function downloadPayload(
  urls: readonly string[],
  dest: string,
  expectedBytes: number,
  options: DownloadOptions,
): Promise<DownloadResult> {
  let have = await sizeOf(dest);
  if (have > expectedBytes) {
    await truncate(dest, 0);
    have = 0;
  }
  let resumed = have > 0;
  let requests = 0;
  let lastError = 'no payload URL';
  for (let attempt = 0; attempt <= options.resumeMax; attempt++) {
    if (have === expectedBytes) return { resumed, requests };
    const url = urls[attempt % Math.max(1, urls.length)];
    if (url === undefined) break;
    requests++;
    try {
      have = await fetchInto(url, dest, have, expectedBytes, options);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (err instanceof UpdateError) throw err;
      lastError = (err as Error).message;
      have = await sizeOf(dest);
    }
    if (have > 0 && have < expectedBytes) resumed = true;
  }
  if (have === expectedBytes) return { resumed, requests };
  const code =
    (have < expectedBytes ? ErrorCode.DownloadTransferError : ErrorCode.PayloadSizeMismatchError) |
    (resumed ? ERROR_FLAG_RESUMED : 0);
  throw new UpdateError(code, `download incomplete (${have}/${expectedBytes} bytes): ${lastError}`);
}

/** GET with node:http(s): its streams are several times cheaper than fetch's web streams. */
function get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { headers, signal }, resolve);
    req.on('error', reject);
    req.end();
  });
}

async function fetchInto(
  url: string,
  dest: string,
  have: number,
  expected: number,
  options: DownloadOptions,
): Promise<number> {
  const idle = new AbortController();
  const signal = options.signal === undefined ? idle.signal : AbortSignal.any([idle.signal, options.signal]);
  const headers: Record<string, string> = have > 0 ? { range: `bytes=${have}-` } : {};
  const res = await get(url, headers, signal);
  let start = have;
  if (res.statusCode === 200) {
    start = 0; // server ignored the range: start over
  } else if (res.statusCode === 206) {
    const m = /^bytes (\d+)-/.exec(res.headers['content-range'] ?? '');
    if (m === null || Number(m[1]) !== have) {
      res.destroy();
      throw new Error('bad Content-Range in 206 response');
    }
  } else if (res.statusCode === 416 && have > 0) {
    // the server has no bytes past what we hold: the payload is shorter than announced
    res.destroy();
    throw new UpdateError(ErrorCode.PayloadSizeMismatchError, `payload ends at ${have} bytes, announced ${expected}`);
  } else {
    res.destroy();
    throw new UpdateError(ErrorCode.DownloadTransferError, `payload download got HTTP ${res.statusCode}`);
  }
  let written = start;
  // one idle watchdog per response (re-arming a timer per chunk costs more than the chunk)
  let lastActivityMs = Date.now();
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const watchdog = setInterval(
    () => {
      if (Date.now() - lastActivityMs > idleMs) idle.abort(new Error('download stalled'));
    },
    Math.min(idleMs, 1000),
  );
  // sequential writes, coalesced up to WRITE_BATCH_BYTES: what was received before a cut is in the
  // file (flushed in `finally`), ready to resume from
  const fh = await open(dest, start === 0 ? 'w' : 'a');
  let batch: Buffer[] = [];
  let batchBytes = 0;
  const flush = async () => {
    if (batchBytes === 0) return;
    const data = Buffer.concat(batch, batchBytes);
    batch = [];
    batchBytes = 0;
    await fh.write(data);
  };
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      written += chunk.length;
      if (written > expected) {
        throw new UpdateError(
          ErrorCode.PayloadSizeMismatchError,
          `payload larger than the announced ${expected} bytes`,
        );
      }
      batch.push(chunk);
      batchBytes += chunk.length;
      if (batchBytes >= WRITE_BATCH_BYTES) await flush();
      lastActivityMs = Date.now();
      options.onProgress?.(written);
    }
  } finally {
    clearInterval(watchdog);
    try {
      await flush();
    } finally {
      await fh.close();
    }
  }
  return written;
}
