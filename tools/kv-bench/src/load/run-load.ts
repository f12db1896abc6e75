import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { combineMeasurements, type LoadResult, type WorkerMeasurement } from './load-result.js';
import { type LoadSpec, splitLoadSpec, validateLoadSpec } from './load-spec.js';
import { prepareLoad } from './run-clients.js';

/** Messages between the parent and a worker process (JSON over the fork IPC channel). */
export type ToWorker = { type: 'prepare'; spec: LoadSpec; firstRequest: number } | { type: 'go' };
export type FromWorker =
  | { type: 'ready' }
  | { type: 'done'; measurement: WorkerMeasurement }
  | { type: 'failed'; message: string };

/**
 * Runs one load: in this process when `spec.workers` is 1, otherwise in that many forked worker
 * processes (the built dist/load/worker-main.js), all connected before any starts.
 */
export async function runLoad(input: LoadSpec): Promise<LoadResult> {
  const spec = validateLoadSpec(input);
  const shape = { workload: spec.workload, clients: spec.clients, conns: spec.conns, workers: spec.workers };
  if (spec.workers === 1) {
    const prepared = await prepareLoad(spec);
    try {
      const measurement = await prepared.go();
      return combineMeasurements(shape, [measurement], measurement.wallMs);
    } finally {
      prepared.close();
    }
  }
  const parts = splitLoadSpec(spec);
  const workers = parts.map(() => forkWorker());
  try {
    let firstRequest = 0;
    const ready = parts.map((part, i) => {
      const reply = nextMessage(workers[i]!);
      workers[i]!.send({ type: 'prepare', spec: part, firstRequest } satisfies ToWorker);
      firstRequest += part.total;
      return reply;
    });
    for (const message of await Promise.all(ready)) expectType(message, 'ready');
    const start = performance.now();
    const done = workers.map((w) => nextMessage(w));
    for (const w of workers) w.send({ type: 'go' } satisfies ToWorker);
    const measurements = (await Promise.all(done)).map((m) => expectType(m, 'done').measurement);
    return combineMeasurements(shape, measurements, performance.now() - start);
  } finally {
    for (const w of workers) if (w.exitCode === null) w.kill('SIGKILL');
  }
}

/** The built worker; from the TypeScript sources (tests) it is still the built one in dist/. */
export function workerPath(): string {
  const here = fileURLToPath(new URL('./worker-main.js', import.meta.url));
  const built = here.replace(/([\\/])src([\\/]load[\\/])/, '$1dist$2');
  if (!existsSync(built)) throw new Error(`${built} is missing: build with npx tsc -p tools/kv-bench`);
  return built;
}

function forkWorker(): ChildProcess {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return fork(workerPath(), [], { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function nextMessage(child: ChildProcess): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromWorker) => {
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => {
      child.off('message', onMessage);
      reject(new Error(`load worker ${child.pid} exited (${code}) before answering`));
    };
    child.once('message', onMessage);
    child.once('exit', onExit);
  });
}

function expectType<T extends FromWorker['type']>(message: FromWorker, type: T): Extract<FromWorker, { type: T }> {
  if (message.type === 'failed') throw new Error(`load worker failed: ${message.message}`);
  if (message.type !== type) throw new Error(`load worker sent ${message.type}, expected ${type}`);
  return message as Extract<FromWorker, { type: T }>;
}
