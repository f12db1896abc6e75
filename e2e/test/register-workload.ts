// A register workload on the kv store for the faults scenario: clients read, write and
// compare-and-swap a few keys, and every operation goes into a history for the checker.
import { compare, KvClient, op } from '@coreos-ts/kv-client';
import {
  checkHistory,
  formatCheckResult,
  HistoryRecorder,
  type RegisterInput,
  type RegisterOutput,
  registerModel,
} from '@coreos-ts/linearizability';

/** mulberry32: a small seeded generator, so a failing run's choices can be replayed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Workload {
  readonly recorder: HistoryRecorder<RegisterInput, RegisterOutput>;
  /** Resolves once `count` more operations have completed (answered) than when called. */
  progress(count: number, timeoutMs: number): Promise<void>;
  /** Stops issuing operations and waits for the ones in flight. */
  stop(): Promise<void>;
  completed(): number;
}

export function startRegisterWorkload(options: {
  endpoints: readonly string[];
  clients: number;
  keys: readonly string[];
  seed: number;
}): Workload {
  const recorder = new HistoryRecorder<RegisterInput, RegisterOutput>(() => performance.now());
  let running = true;
  let completed = 0;
  const waiters = new Set<() => void>();
  const onComplete = () => {
    completed += 1;
    for (const w of waiters) w();
  };
  const loops = Array.from({ length: options.clients }, (_, clientId) =>
    clientLoop(clientId, options, recorder, () => running, onComplete),
  );
  return {
    recorder,
    completed: () => completed,
    progress(count, timeoutMs) {
      const target = completed + count;
      return new Promise((resolve, reject) => {
        const check = () => {
          if (completed < target) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(
            new Error(`the workload completed ${completed - target + count} of ${count} operations in ${timeoutMs} ms`),
          );
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function clientLoop(
  clientId: number,
  options: { endpoints: readonly string[]; keys: readonly string[]; seed: number },
  recorder: HistoryRecorder<RegisterInput, RegisterOutput>,
  running: () => boolean,
  onComplete: () => void,
): Promise<void> {
  const random = seededRandom(options.seed + clientId * 7919);
  // each client prefers a different member, and fails over to the others
  const endpoints = options.endpoints.map((_, i) => options.endpoints[(i + clientId) % options.endpoints.length] ?? '');
  const client = new KvClient({ endpoints, callTimeoutMs: 2_000, dialTimeoutMs: 500 });
  const lastRead = new Map<string, string | null>();
  let counter = 0;
  try {
    while (running()) {
      const key = options.keys[Math.floor(random() * options.keys.length)] ?? 'k';
      const dice = random();
      const value = `${clientId}-${counter++}`;
      const input: RegisterInput =
        dice < 0.4
          ? { type: 'read', key }
          : dice < 0.8
            ? { type: 'write', key, value }
            : { type: 'cas', key, expected: lastRead.get(key) ?? null, value };
      const pending = recorder.invoke(clientId, input);
      try {
        const output = await execute(client, input);
        recorder.complete(pending, output);
        if (output.type === 'read') lastRead.set(key, output.value === null ? null : String(output.value));
        onComplete();
      } catch {
        recorder.fail(pending); // timeout, lost connection, no leader: may or may not have applied
      }
    }
  } finally {
    client.close();
  }
}

async function execute(client: KvClient, input: RegisterInput): Promise<RegisterOutput> {
  if (input.type === 'read') {
    const kv = await client.getKv(input.key);
    return { type: 'read', value: kv === undefined ? null : kv.valueString };
  }
  if (input.type === 'write') {
    await client.put(input.key, String(input.value));
    return { type: 'write' };
  }
  const guard =
    input.expected === null
      ? compare.createRevision(input.key, '=', 0)
      : compare.value(input.key, '=', String(input.expected));
  const r = await client
    .txn()
    .if(guard)
    .andThen(op.put(input.key, String(input.value)))
    .commit();
  return { type: 'cas', ok: r.succeeded };
}

/** Checks the workload's history against the register model; prints the explanation when it is not linearizable. */
export function checkWorkload(w: Workload): string {
  const history = w.recorder.history();
  const result = checkHistory(registerModel, history, { timeoutMs: 30_000 });
  if (result.result !== 'ok') console.error(formatCheckResult(registerModel, history, result));
  return result.result;
}
