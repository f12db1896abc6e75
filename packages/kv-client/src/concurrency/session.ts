import type { KvClient } from '../client.js';
import { InvalidArgumentError, SessionExpiredError } from '../errors.js';

export interface SessionOptions {
  /** Lease TTL; keep-alives go out every third of it. etcdctl lock/elect default to 60 (clientv3) / 10 (--ttl). */
  ttlSeconds?: number;
  /** Use this existing lease instead of granting one. */
  leaseId?: bigint;
}

/**
 * A lease kept alive for as long as the session lives (clientv3's concurrency.Session). Loss is
 * reported promptly through `lost`: a keep-alive answered with TTL 0 (revoked or expired), or
 * no successful keep-alive within the TTL.
 */
export class Session {
  readonly leaseId: bigint;
  readonly ttlSeconds: number;
  /**
   * Resolves (never rejects) with the reason when the lease is gone or can no longer be vouched
   * for, or the session was closed.
   */
  readonly lost: Promise<SessionExpiredError>;
  private markLost!: (error: SessionExpiredError) => void;
  private lostError: SessionExpiredError | undefined;
  private closed = false;
  private expiresAtMs: number;
  private tickTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private readonly stopKeepAlive = new AbortController();
  private readonly lostController = new AbortController();

  private constructor(
    readonly client: KvClient,
    leaseId: bigint,
    ttlSeconds: number,
  ) {
    this.leaseId = leaseId;
    this.ttlSeconds = ttlSeconds;
    this.expiresAtMs = Date.now() + ttlSeconds * 1000;
    this.lost = new Promise((resolve) => {
      this.markLost = resolve;
    });
  }

  static async create(client: KvClient, options: SessionOptions = {}): Promise<Session> {
    const ttlSeconds = options.ttlSeconds ?? 60;
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1)
      throw new InvalidArgumentError(`ttlSeconds (${ttlSeconds}) must be a positive integer`);
    let leaseId = options.leaseId;
    if (leaseId === undefined) leaseId = (await client.lease.grant(ttlSeconds)).id;
    const session = new Session(client, leaseId, ttlSeconds);
    session.armExpiry();
    session.schedule(0);
    return session;
  }

  /** Aborts when the session is lost (or closed): hand it to calls that must not outlive the session. */
  get signal(): AbortSignal {
    return this.lostController.signal;
  }

  get isLost(): boolean {
    return this.lostError !== undefined;
  }

  /** Throws SessionExpiredError if the session is lost. */
  assertAlive(): void {
    if (this.lostError) throw this.lostError;
  }

  /** Stops the keep-alives and revokes the lease (deleting every key attached to it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.stop();
    if (!this.lostError) {
      this.declareLost('session closed');
      await this.client.lease.revoke(this.leaseId).catch(() => {});
    }
  }

  /** Stops the keep-alives without revoking: the lease expires on its own after its TTL. */
  orphan(): void {
    this.stop();
  }

  private stop(): void {
    this.closed = true;
    this.stopKeepAlive.abort();
    clearTimeout(this.tickTimer);
    clearTimeout(this.expiryTimer);
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.tickTimer = setTimeout(() => void this.keepAlive(), delayMs);
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer);
    const inMs = Math.max(0, this.expiresAtMs - Date.now());
    this.expiryTimer = setTimeout(() => this.declareLost('no keep-alive answered within the lease TTL'), inMs);
  }

  private async keepAlive(): Promise<void> {
    if (this.closed) return;
    const started = Date.now();
    const intervalMs = Math.max(100, (this.ttlSeconds * 1000) / 3);
    try {
      const answer = await this.client.lease.keepAliveOnce(this.leaseId, {
        timeoutMs: Math.max(100, this.expiresAtMs - Date.now()),
        signal: this.stopKeepAlive.signal,
      });
      if (this.closed) return;
      if (answer.ttlSeconds <= 0n) {
        this.declareLost(`lease ${this.leaseId.toString(16)} was revoked or expired`);
        return;
      }
      this.expiresAtMs = started + Number(answer.ttlSeconds) * 1000;
      this.armExpiry();
      this.schedule(intervalMs);
    } catch {
      if (this.closed) return;
      // keep trying until the lease would have expired; the expiry timer reports the loss
      this.schedule(Math.min(intervalMs, 250));
    }
  }

  private declareLost(reason: string): void {
    if (this.lostError) return;
    this.lostError = new SessionExpiredError(`session lost: ${reason}`);
    this.stop();
    this.markLost(this.lostError);
    this.lostController.abort(this.lostError);
  }
}
