import type { ClientConfig } from './config.js';
import { Endpoint } from './endpoint.js';

/**
 * The client's endpoints and which one to use: calls stick to one healthy endpoint (so a watch
 * and the writes it observes usually share a connection) and move on when it fails.
 */
export class EndpointPool {
  readonly endpoints: Endpoint[];
  private current = 0;
  private readonly quarantineMs: number;
  /** Endpoints outside the configured list that a caller aimed a call at (e.g. from a member list). */
  private readonly extra = new Map<string, Endpoint>();

  constructor(private readonly config: ClientConfig) {
    this.endpoints = config.endpoints.map((url) => new Endpoint(url, config));
    this.quarantineMs = config.endpointQuarantineMs;
  }

  /** The endpoint for this URL: a configured one, or a new connection kept until close(). */
  resolve(url: string): Endpoint {
    const known = this.byUrl(url) ?? this.extra.get(url);
    if (known) return known;
    const endpoint = new Endpoint(url, this.config);
    this.extra.set(url, endpoint);
    return endpoint;
  }

  /** The preferred endpoint not in `tried`; undefined when every endpoint has been tried. */
  pick(tried: ReadonlySet<Endpoint>): Endpoint | undefined {
    const now = Date.now();
    const candidates = this.rotation().filter((e) => !tried.has(e));
    return candidates.find((e) => e.quarantinedUntilMs <= now) ?? candidates[0];
  }

  byUrl(url: string): Endpoint | undefined {
    return this.endpoints.find((e) => e.url === url || e.target === url);
  }

  markFailed(endpoint: Endpoint): void {
    endpoint.quarantinedUntilMs = Date.now() + this.quarantineMs;
    if (this.endpoints[this.current] === endpoint) this.current = (this.current + 1) % this.endpoints.length;
  }

  markHealthy(endpoint: Endpoint): void {
    endpoint.quarantinedUntilMs = 0;
  }

  close(): void {
    for (const endpoint of this.endpoints) endpoint.close();
    for (const endpoint of this.extra.values()) endpoint.close();
  }

  private rotation(): Endpoint[] {
    return [...this.endpoints.slice(this.current), ...this.endpoints.slice(0, this.current)];
  }
}
