import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { etcdserverpb } from '@coreos-ts/proto';
import type { ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { type Connection, openConnections } from './connections.js';
import { Histogram } from './histogram.js';
import type { WorkerMeasurement } from './load-result.js';
import type { LoadSpec } from './load-spec.js';
import type { PreparedLoad } from './run-clients.js';

type WatchStream = ClientDuplexStream<etcdserverpb.WatchRequest, etcdserverpb.WatchResponse>;

const WATCH_KEY = Buffer.from('kv-bench/watch-latency');
/** How long after the last put the watchers may take to receive the remaining events. */
const DRAIN_TIMEOUT_MS = 10_000;
const SETUP_TIMEOUT_MS = 10_000;
const GRPC_CANCELLED = 1;

/** Put send times by sequence number, and the latency of each event that arrives for them. */
class EventLatency {
  readonly sentAt: Float64Array;
  readonly latency = new Histogram();
  events = 0;
  created = 0;
  streamError: Error | undefined;
  /** Called after each response: the waiters re-check their condition. */
  onProgress: () => void = () => {};

  constructor(puts: number) {
    this.sentAt = new Float64Array(puts);
  }

  readonly handle = (response: etcdserverpb.WatchResponse): void => {
    const now = performance.now();
    if (response.created) this.created++;
    for (const event of response.events) {
      const seq = Number.parseInt(event.kv?.value.toString('latin1') ?? '', 10);
      const start = this.sentAt[seq];
      if (start === undefined || start === 0) continue;
      this.latency.record((now - start) * 1000);
      this.events++;
    }
    this.onProgress();
  };

  /** Resolves when `done()` holds, re-checked on every response; rejects after `timeoutMs`. */
  waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (done()) return resolve();
      const timer = setTimeout(() => {
        this.onProgress = () => {};
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      this.onProgress = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.onProgress = () => {};
        resolve();
      };
    });
  }
}

/** One watch stream per connection, `watchers` watches of the key spread over them. */
function openWatchers(conns: Connection[], watchers: number, recorder: EventLatency): WatchStream[] {
  const streams = conns.map((conn) => {
    const stream = conn.watch.watch();
    stream.on('data', recorder.handle);
    stream.on('error', (err: ServiceError) => {
      if (err.code !== GRPC_CANCELLED) recorder.streamError ??= err;
    });
    return stream;
  });
  for (let w = 0; w < watchers; w++) {
    const create = etcdserverpb.WatchCreateRequest.fromPartial({ key: WATCH_KEY });
    streams[w % streams.length]!.write(etcdserverpb.WatchRequest.fromPartial({ createRequest: create }));
  }
  return streams;
}

/** Puts the key `spec.total` times at `spec.putRate`, the value carrying the sequence number. */
async function runPuts(spec: LoadSpec, putter: etcdserverpb.KVClient, recorder: EventLatency, wallStart: number) {
  let requests = 0;
  let errors = 0;
  let firstError: string | undefined;
  for (let seq = 0; seq < spec.total; seq++) {
    if (spec.putRate > 0) {
      const wait = wallStart + (seq * 1000) / spec.putRate - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const value = Buffer.from(String(seq).padStart(Math.max(spec.valSize, 1), '0'), 'latin1');
    const request = etcdserverpb.PutRequest.fromPartial({ key: WATCH_KEY, value });
    recorder.sentAt[seq] = performance.now();
    try {
      await new Promise<void>((resolve, reject) => putter.put(request, (err) => (err ? reject(err) : resolve())));
      requests++;
    } catch (err) {
      errors++;
      firstError ??= (err as Error).message;
    }
  }
  return { requests, errors, firstError };
}

/**
 * etcd benchmark's watch-latency: `spec.watchers` watchers of one key (one watch stream per
 * connection), one client putting that key `spec.total` times at `spec.putRate` per second; the
 * latency of an event is from the start of its put to its delivery to a watcher.
 */
export async function prepareWatchLatency(spec: LoadSpec): Promise<PreparedLoad> {
  const conns = await openConnections(spec.endpoints, spec.conns);
  const recorder = new EventLatency(spec.total);
  let streams: WatchStream[] = [];
  const close = () => {
    for (const s of streams) s.cancel();
    for (const c of conns) c.close();
  };
  try {
    streams = openWatchers(conns, spec.watchers, recorder);
    await recorder.waitFor(() => recorder.created >= spec.watchers, SETUP_TIMEOUT_MS, 'watchers created');
  } catch (err) {
    close();
    throw err;
  }
  const go = async (): Promise<WorkerMeasurement> => {
    const cpuStart = process.cpuUsage();
    const wallStart = performance.now();
    const puts = await runPuts(spec, conns[0]!.kv, recorder, wallStart);
    let firstError = puts.firstError;
    const expected = puts.requests * spec.watchers;
    try {
      await recorder.waitFor(() => recorder.events >= expected, DRAIN_TIMEOUT_MS, 'events delivered');
    } catch (err) {
      firstError ??= (err as Error).message;
    }
    const wallMs = performance.now() - wallStart;
    const cpu = process.cpuUsage(cpuStart);
    firstError ??= recorder.streamError?.message;
    return {
      requests: puts.requests,
      errors: puts.errors + (expected - Math.min(expected, recorder.events)),
      ...(firstError !== undefined ? { firstError } : {}),
      latency: recorder.latency.snapshot(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs,
      events: recorder.events,
    };
  };
  return { go, close };
}
