// Benchmark: Omaha update checks per second against update-server with 1,000 instances.
// Run: node --import tsx bench/check-throughput.ts [instances] [requests] [concurrency]
// The load generator runs in a child process, so it does not share the server's event loop.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { silentLogger } from '@coreos-ts/grpc-kit';
import { buildPayload, encodeOmahaRequest } from '@coreos-ts/update-engine';
import { DEFAULT_APP_ID } from '../src/model/entities.js';
import { UpdateServer } from '../src/update-server.js';
import { defaultUpdateServerConfig } from '../src/update-server-config.js';

if (process.argv[2] === '--client') {
  const [url, instances, total, concurrency] = process.argv.slice(3) as [string, string, string, string];
  console.log(JSON.stringify(await generateLoad(url, Number(instances), Number(total), Number(concurrency))));
} else {
  await runServer();
}

async function generateLoad(omahaUrl: string, instances: number, total: number, concurrency: number) {
  const bodies = Array.from({ length: instances }, (_, i) =>
    encodeOmahaRequest({
      updaterVersion: 'update_engine-0.4.10',
      installSource: 'scheduler',
      os: { version: 'Chateau', platform: 'CoreOS', sp: '1.0.0_x86_64' },
      apps: [
        {
          appId: DEFAULT_APP_ID,
          version: '1.0.0',
          track: 'stable',
          machineId: i.toString(16).padStart(32, '0'),
          bootId: `{boot-${i}}`,
          ping: true,
          updateCheck: true,
          events: [],
        },
      ],
    }),
  );
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(omahaUrl);
  const post = (body: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'text/xml' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  // warm-up: every instance checks in once
  for (let i = 0; i < instances; i += concurrency) {
    await Promise.all(bodies.slice(i, i + concurrency).map(post));
  }
  let next = 0;
  let failures = 0;
  const latencies: number[] = [];
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const body = bodies[next++ % instances]!;
        const t = process.hrtime.bigint();
        if ((await post(body)) !== 200) failures++;
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  agent.destroy();
  return { checksPerSecond: total / seconds, p50: pct(0.5), p99: pct(0.99), failures };
}

async function runServer() {
  const instances = Number(process.argv[2] ?? 1000);
  const total = Number(process.argv[3] ?? 20_000);
  const concurrency = Number(process.argv[4] ?? 64);
  const dir = await mkdtemp(join(tmpdir(), 'us-bench-'));
  const server = await UpdateServer.start(
    { ...defaultUpdateServerConfig(), listen: '127.0.0.1:0', adminListen: '', dataDir: dir },
    { logger: silentLogger },
  );
  try {
    const keys = generateKeyPairSync('ed25519');
    const payload = buildPayload(Buffer.alloc(4096, 7), '2.0.0', keys.privateKey);
    await server.admin.addPackage(
      DEFAULT_APP_ID,
      '2.0.0',
      (async function* () {
        yield payload;
      })(),
    );
    await server.admin.setChannel(DEFAULT_APP_ID, 'stable', '2.0.0');
    // a slow rollout, so most checks go through the full policy path and are denied
    await server.admin.createGroup({
      appId: DEFAULT_APP_ID,
      name: 'Stable',
      track: 'stable',
      channel: 'stable',
      policy: { maxUpdatesPerPeriod: 50, periodIntervalMs: 3_600_000 },
    });
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--client',
        server.omahaUrl,
        String(instances),
        String(total),
        String(concurrency),
      ],
      { maxBuffer: 1 << 20 },
    );
    const r = JSON.parse(stdout) as { checksPerSecond: number; p50: number; p99: number; failures: number };
    console.log(
      `${instances} instances, ${total} checks, concurrency ${concurrency} (load generator in a child process)`,
    );
    console.log(
      `${r.checksPerSecond.toFixed(0)} checks/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, failures ${r.failures}`,
    );
    const granted = server.store.listInstances().filter((i) => i.targetVersion === '2.0.0').length;
    console.log(`instances ${server.store.listInstances().length}, granted ${granted} (policy max 50 per period)`);
  } finally {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}
