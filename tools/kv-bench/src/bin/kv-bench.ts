#!/usr/bin/env node
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Command, Option } from 'commander';
import { kvdLauncherPath } from '../driver/clusters.js';
import { formatComparison, formatProfile } from '../driver/comparison-table.js';
import { driverReportJson } from '../driver/report-json.js';
import { type DriverOptions, runDriver, runKvdProfile } from '../driver/run-driver.js';

const int = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${value} is not a non-negative integer`);
  return n;
};
const intList = (value: string) => value.split(',').map(int);

const program = new Command('kv-bench')
  .description('Compares kvd with etcd 3.4: fresh 3-member clusters on loopback, the same workloads, alternating')
  .option('--short', 'small totals: only checks that the tool works (about a minute)', false)
  .option('--rounds <n>', 'runs of each workload per server, alternating kvd and etcd', int, 2)
  .option('--workers <n>', 'load generator processes per workload', int, 1)
  .option(
    '--rss-keys <n>',
    'keys of 256 bytes to write before measuring RSS and restart (default: 1000000, 0 with --short)',
    int,
  )
  .option('--chart-clients <list>', 'client counts of the throughput chart', intList, [1, 16, 64, 256])
  .option('--chart <file.svg>', 'write the throughput chart (SVG)')
  .option('--cpu-prof-dir <dir>', 'profile the kvd leader under put (node --cpu-prof) and summarise it')
  .option('--profile-only', 'only the kvd profile (needs --cpu-prof-dir): no etcd, no comparison', false)
  .addOption(new Option('--kvd <path>', "kvd's launcher").env('KV_BENCH_KVD'))
  .addOption(new Option('--etcd <path>', 'etcd binary').env('KV_BENCH_ETCD').default('etcd'))
  .addOption(new Option('--data-root <dir>', 'parent of the data dirs (one filesystem for both)').default(tmpdir()))
  .option('--json', 'print the report as JSON', false)
  .option('--json-out <file>', 'also write the JSON report to a file')
  .action(async (o: Record<string, unknown>) => {
    const short = o.short === true;
    const options: DriverOptions = {
      short,
      rounds: Math.max(1, o.rounds as number),
      workers: Math.max(1, o.workers as number),
      rssKeys: (o.rssKeys as number | undefined) ?? (short ? 0 : 1_000_000),
      chartClients: o.chartClients as number[],
      ...(o.chart ? { chartPath: String(o.chart) } : {}),
      ...(o.cpuProfDir ? { cpuProfDir: String(o.cpuProfDir) } : {}),
      kvdBinary: (o.kvd as string | undefined) ?? kvdLauncherPath(),
      etcdBinary: String(o.etcd),
      dataRoot: String(o.dataRoot),
      log: (message) => process.stderr.write(`kv-bench: ${message}\n`),
    };
    if (o.profileOnly) {
      if (!options.cpuProfDir) throw new Error('--profile-only needs --cpu-prof-dir');
      const profile = await runKvdProfile({ ...options, cpuProfDir: options.cpuProfDir });
      process.stdout.write(o.json ? `${JSON.stringify(profile, null, 2)}\n` : `${formatProfile(profile)}\n`);
      return;
    }
    const report = await runDriver(options);
    const json = `${JSON.stringify(driverReportJson(report), null, 2)}\n`;
    if (o.jsonOut) writeFileSync(String(o.jsonOut), json);
    process.stdout.write(o.json ? json : `${formatComparison(report)}\n`);
  });

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`kv-bench: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
