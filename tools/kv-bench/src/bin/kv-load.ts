#!/usr/bin/env node
import { Command, Option } from 'commander';
import { formatLoadResult, loadResultJson } from '../load/format-result.js';
import { defaultLoadSpec, type LoadSpec, WORKLOADS, type Workload } from '../load/load-spec.js';
import { runLoad } from '../load/run-load.js';

const defaults = defaultLoadSpec();
const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new Error(`${value} is not an integer`);
  return n;
};

const program = new Command('kv-load')
  .description("Load generator for the etcd v3 gRPC API, modelled on etcd's benchmark tool")
  .addArgument(new Command().createArgument('<workload>', WORKLOADS.join(' | ')).choices(WORKLOADS))
  .addOption(
    new Option('--endpoints <urls>', 'comma-separated client URLs')
      .env('KV_BENCH_ENDPOINTS')
      .default(defaults.endpoints.join(',')),
  )
  .option('--conns <n>', 'gRPC connections', int, defaults.conns)
  .option('--clients <n>', 'concurrent clients', int, defaults.clients)
  .option('--total <n>', 'requests in total (watch-latency: puts)', int, defaults.total)
  .option('--workers <n>', 'load generator processes', int, defaults.workers)
  .option('--key-size <bytes>', 'key size', int, defaults.keySize)
  .option('--val-size <bytes>', 'value size', int, defaults.valSize)
  .option('--key-space-size <n>', 'distinct keys', int, defaults.keySpaceSize)
  .option('--sequential-keys', 'walk the key space in order', false)
  .addOption(new Option('--consistency <l|s>', 'range: linearizable or serializable').choices(['l', 's']).default('l'))
  .option('--range-key <key>', 'range: the key read', defaults.rangeKey)
  .option('--watchers <n>', 'watch-latency: watchers', int, defaults.watchers)
  .option('--put-rate <n>', 'watch-latency: puts per second (0: unthrottled)', int, defaults.putRate)
  .option('--seed <n>', 'seed of the random keys', int, defaults.seed)
  .option('--json', 'print the result as JSON', false)
  .action(async (workload: Workload, o: Record<string, unknown>) => {
    const spec: LoadSpec = {
      workload,
      endpoints: String(o.endpoints).split(',').filter(Boolean),
      conns: o.conns as number,
      clients: o.clients as number,
      total: o.total as number,
      keySize: o.keySize as number,
      valSize: o.valSize as number,
      keySpaceSize: o.keySpaceSize as number,
      sequentialKeys: o.sequentialKeys === true,
      consistency: o.consistency as 'l' | 's',
      rangeKey: o.rangeKey as string,
      watchers: o.watchers as number,
      putRate: o.putRate as number,
      workers: o.workers as number,
      seed: o.seed as number,
    };
    const result = await runLoad(spec);
    process.stdout.write(
      o.json ? `${JSON.stringify(loadResultJson(result), null, 2)}\n` : `${formatLoadResult(result)}\n`,
    );
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`kv-load: ${err.message}\n`);
  process.exit(1);
});
