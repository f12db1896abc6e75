// Control-plane scale: 1,000 .service units on 10 in-process agents (in-memory runtimes, so the
// numbers are the registry + engine + agents, not process spawning), against a real 3-member
// etcd cluster. Measures submit -> every unit launched (started by its agent and reported).
// Run: node --conditions=@coreos-ts/source --import tsx packages/fleet/bench/fleet-scale-bench.ts
import { silentLogger } from '@coreos-ts/grpc-kit';
import { KvClient } from '@coreos-ts/kv-client';
import { startCluster } from '@coreos-ts/kv-client/testing';
import { Agent } from '../src/agent/agent.js';
import { Engine } from '../src/engine/engine.js';
import { RegistryKeys } from '../src/registry/keys.js';
import { decodeUnitStateRecord } from '../src/registry/records.js';
import { Registry } from '../src/registry/registry.js';
import { MemoryRuntime } from '../src/testing/memory-runtime.js';

const AGENTS = 10;
const UNITS = Number(process.env.UNITS ?? 1000);
const SUBMIT_CONCURRENCY = 20;

const etcd = await startCluster({ size: 3, binary: 'etcd' });
const keys = new RegistryKeys('/bench/');
const clients: KvClient[] = [];
const client = (): KvClient => {
  const c = new KvClient({ endpoints: etcd.endpoints });
  clients.push(c);
  return c;
};
const runtimes: MemoryRuntime[] = [];
const agents: Agent[] = [];
const engines: Engine[] = [];
for (let i = 0; i < AGENTS; i++) {
  const runtime = new MemoryRuntime();
  runtimes.push(runtime);
  const id = i.toString(16).padStart(8, '0').padEnd(32, 'b');
  const kv = client();
  agents.push(
    new Agent({
      client: kv,
      keys,
      machineId: id,
      publicIp: `10.0.0.${i}`,
      metadata: {},
      apiAddress: '',
      ttlSeconds: 10,
      reconcileIntervalMs: 2_000,
      retryMs: 500,
      logger: silentLogger,
      processRuntime: runtime,
    }),
  );
  if (i < 3) {
    engines.push(
      new Engine({
        client: kv,
        keys,
        machineId: id,
        logger: silentLogger,
        reconcileIntervalMs: 2_000,
        leaderTtlSeconds: 10,
        writesPerTxnMax: 100,
        retryMs: 500,
      }),
    );
  }
}
for (const a of agents) a.start();
for (const e of engines) e.start();
const registry = new Registry(client(), keys);
while ((await registry.listMachines()).length < AGENTS) await new Promise((r) => setTimeout(r, 50));

const unitFile = '[Service]\nExecStart=/bin/sleep 600\n';
const started = performance.now();
const names = Array.from({ length: UNITS }, (_, i) => `bench-${i}.service`);
for (let i = 0; i < names.length; i += SUBMIT_CONCURRENCY) {
  await Promise.all(
    names.slice(i, i + SUBMIT_CONCURRENCY).map((n) => registry.submitUnit(n, unitFile, 'launched', false)),
  );
}
const submitted = performance.now();
const runningNow = (): number => runtimes.reduce((n, r) => n + r.size, 0);
while (runningNow() < UNITS) await new Promise((r) => setTimeout(r, 20));
const allRunning = performance.now();
const reporter = client();
for (;;) {
  const states = await reporter.get(keys.statesAll, { prefix: true });
  const launched = states.kvs.filter((kv) => decodeUnitStateRecord(kv.valueString)?.launched).length;
  if (launched >= UNITS) break;
  await new Promise((r) => setTimeout(r, 50));
}
const allReported = performance.now();
const perAgent = runtimes.map((r) => r.size);
const passes = engines.map((e) => e.status);
console.log(
  JSON.stringify({
    units: UNITS,
    agents: AGENTS,
    submitMs: Math.round(submitted - started),
    submitToAllStartedMs: Math.round(allRunning - started),
    submitToAllReportedMs: Math.round(allReported - started),
    unitsPerAgent: perAgent,
    enginePasses: passes.map((p) => p.passes),
    engineWrites: passes.map((p) => p.writes),
    agentPasses: agents.map((a) => a.passes),
    restarts: runtimes.reduce((n, r) => n + r.starts.length, 0) - UNITS,
  }),
);
for (const e of engines) await e.stop();
for (const a of agents) await a.stop();
for (const c of clients) c.close();
await etcd.stop();
process.exit(0);
