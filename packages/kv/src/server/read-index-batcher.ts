import { randomBytes } from 'node:crypto';
import { KvError } from '../errors.js';
import type { AppliedWaiter } from './applied-waiter.js';

interface Round {
  ctx: Buffer;
  readers: { resolve(): void; reject(err: unknown): void }[];
  retry: NodeJS.Timeout;
  deadline: NodeJS.Timeout;
}

export interface ReadIndexBatcherOptions {
  /** Asks raft for a read index with this context (it may be dropped: then it is asked again). */
  requestReadIndex(ctx: Buffer): void;
  applied: AppliedWaiter;
  retryMs: number;
  timeoutMs: number;
  readersMax: number;
}

/**
 * Linearizable reads, batched: all reads that arrive while no ReadIndex round is being asked
 * for share the next round (one quorum round for many reads). A read that arrives after a
 * round was asked for waits for the next one, so it sees every write acknowledged before it.
 */
export class ReadIndexBatcher {
  private next: Round['readers'] = [];
  private inFlight: Round | undefined;
  private readers = 0;

  constructor(private readonly options: ReadIndexBatcherOptions) {}

  /** Resolves when this member has applied everything committed before the call. */
  wait(): Promise<void> {
    if (this.readers >= this.options.readersMax) return Promise.reject(new KvError('TooManyRequests'));
    this.readers++;
    return new Promise<void>((resolve, reject) => {
      this.next.push({ resolve, reject });
      if (!this.inFlight) this.startRound();
    }).finally(() => {
      this.readers--;
    });
  }

  /** A ReadState from raft's Ready. */
  onReadState(index: number, ctx: Uint8Array): void {
    const round = this.inFlight;
    if (!round || Buffer.compare(round.ctx, ctx) !== 0) return;
    this.endRound(round);
    this.options.applied.wait(index).then(() => {
      for (const r of round.readers) r.resolve();
    });
  }

  /** Fails every read, e.g. on shutdown. */
  failAll(err: unknown): void {
    if (this.inFlight) {
      for (const r of this.inFlight.readers) r.reject(err);
      this.endRound(this.inFlight);
    }
    for (const r of this.next) r.reject(err);
    this.next = [];
  }

  private startRound(): void {
    if (this.next.length === 0) return;
    const round: Round = {
      ctx: randomBytes(8),
      readers: this.next,
      retry: setInterval(() => this.options.requestReadIndex(round.ctx), this.options.retryMs),
      deadline: setTimeout(() => {
        this.endRound(round);
        for (const r of round.readers) r.reject(new KvError('Timeout'));
      }, this.options.timeoutMs),
    };
    this.next = [];
    this.inFlight = round;
    this.options.requestReadIndex(round.ctx);
  }

  private endRound(round: Round): void {
    clearInterval(round.retry);
    clearTimeout(round.deadline);
    if (this.inFlight === round) {
      this.inFlight = undefined;
      this.startRound();
    }
  }
}
