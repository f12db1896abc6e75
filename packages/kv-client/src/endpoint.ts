import { clientCredentials } from '@coreos-ts/grpc-kit';
import { ChannelCredentials, Client, connectivityState } from '@grpc/grpc-js';
import type { ClientConfig } from './config.js';
import { parseEndpoint } from './config.js';
import { UnavailableError } from './errors.js';

/** One member's address and its gRPC connection (one HTTP/2 connection shared by every service). */
export class Endpoint {
  readonly url: string;
  readonly target: string;
  readonly client: Client;
  /** Until when the pool should prefer other endpoints (ms since epoch). */
  quarantinedUntilMs = 0;

  constructor(url: string, config: ClientConfig) {
    this.url = url;
    const parsed = parseEndpoint(url);
    this.target = parsed.target;
    const credentials =
      config.tls !== undefined
        ? clientCredentials(config.tls)
        : parsed.secure
          ? ChannelCredentials.createSsl()
          : ChannelCredentials.createInsecure();
    this.client = new Client(this.target, credentials, {
      'grpc.initial_reconnect_backoff_ms': 50,
      'grpc.min_reconnect_backoff_ms': 50,
      'grpc.max_reconnect_backoff_ms': 1_000,
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.max_receive_message_length': config.receiveMessageBytesMax,
      'grpc.max_send_message_length': config.receiveMessageBytesMax,
      'grpc.enable_retries': 0,
    });
  }

  isReady(): boolean {
    return this.client.getChannel().getConnectivityState(false) === connectivityState.READY;
  }

  /**
   * Resolves once the connection is up; rejects as soon as it fails (TRANSIENT_FAILURE) or the
   * timeout passes, so a dead member costs one refused connect, not a whole deadline.
   */
  connect(timeoutMs: number): Promise<void> {
    const channel = this.client.getChannel();
    const deadline = Date.now() + Math.max(1, timeoutMs);
    return new Promise((resolve, reject) => {
      const timedOut = (): UnavailableError =>
        new UnavailableError(`${this.url}: connect timed out after ${timeoutMs} ms`);
      const check = (): void => {
        const state = channel.getConnectivityState(true);
        if (state === connectivityState.READY) {
          resolve();
        } else if (state === connectivityState.TRANSIENT_FAILURE || state === connectivityState.SHUTDOWN) {
          reject(new UnavailableError(`${this.url}: connection failed`));
        } else if (Date.now() >= deadline) {
          reject(timedOut());
        } else {
          channel.watchConnectivityState(state, deadline, (err) => {
            if (err) reject(timedOut());
            else check();
          });
        }
      };
      check();
    });
  }

  close(): void {
    this.client.close();
  }
}
