import { type Logger, silentLogger } from '@coreos-ts/grpc-kit';
import { updateenginepb } from '@coreos-ts/proto';
import type { ChannelCredentials, ClientReadableStream } from '@grpc/grpc-js';
import { type BackoffPolicy, backoffDelayMs } from '../client/backoff.js';

export interface UpdateStatusFollowerOptions {
  /** update-engine's gRPC address, host:port. */
  address: string;
  credentials: ChannelCredentials;
  /** Called with each status's name (UPDATE_STATUS_IDLE, ...), the current one first after every (re)connect. */
  onStatus: (status: string) => void;
  log?: Logger;
  /** Between reconnects; reset by every status received. Default 1s doubling to 30s. */
  reconnectBackoff?: BackoffPolicy;
}

export interface UpdateStatusFollower {
  close(): void;
}

const DEFAULT_RECONNECT_BACKOFF: BackoffPolicy = { initialMs: 1000, maxMs: 30_000 };

/** update_engine's status name for a StatusResponse (the enum's name; the string field as a fallback). */
export function statusNameOf(response: updateenginepb.StatusResponse): string {
  return updateenginepb.UpdateStatus[response.currentOperation] ?? response.currentOperationName;
}

/**
 * Follows update-engine's WatchStatus stream (update_engine's StatusUpdate signal), which starts
 * with the current status. When the stream fails or ends, it reconnects with capped back-off.
 */
export function followUpdateStatus(options: UpdateStatusFollowerOptions): UpdateStatusFollower {
  const log = options.log ?? silentLogger;
  const policy = options.reconnectBackoff ?? DEFAULT_RECONNECT_BACKOFF;
  const client = new updateenginepb.UpdateEngineClient(options.address, options.credentials);
  let closed = false;
  let failures = 0;
  let stream: ClientReadableStream<updateenginepb.StatusResponse> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const connect = () => {
    if (closed) return;
    const current = client.watchStatus({});
    stream = current;
    let ended = false;
    const retry = (reason: string) => {
      if (ended || closed) return;
      ended = true;
      failures++;
      const delayMs = backoffDelayMs(policy, failures);
      log.warn({ address: options.address, reason, delayMs }, 'update-engine status stream lost, reconnecting');
      timer = setTimeout(connect, delayMs);
    };
    current.on('data', (response: updateenginepb.StatusResponse) => {
      if (failures > 0) log.info({ address: options.address }, 'update-engine status stream connected');
      failures = 0;
      options.onStatus(statusNameOf(response));
    });
    current.on('error', (err: Error) => retry(err.message));
    current.on('end', () => retry('stream ended'));
  };
  connect();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      stream?.cancel();
      client.close();
    },
  };
}
