import type { LoadResult } from '../load/load-result.js';
import type { BackendName } from './clusters.js';
import type { DriverReport, MemberFigures } from './driver-report.js';

const BACKENDS: BackendName[] = ['kvd', 'etcd'];

/** kvd / etcd; NaN when etcd's figure is 0 (printed as n/a). */
export function ratio(kvd: number, etcd: number): number {
  return etcd !== 0 ? kvd / etcd : Number.NaN;
}

const num = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const mb = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : (bytes / 2 ** 20).toFixed(1));

/** Throughput of a result: events per second for watch-latency, requests per second otherwise. */
export function throughputOf(result: LoadResult): number {
  return result.eventsPerSecond ?? result.opsPerSecond;
}

function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function workloadRows(report: DriverReport): string[][] {
  return report.workloads.map(({ title, results }) => {
    const [k, e] = [results.kvd, results.etcd];
    const errors = k.errors + e.errors;
    const gen = Math.max(k.generatorCpuMaxProcess, e.generatorCpuMaxProcess);
    return [
      title + (k.eventsPerSecond !== undefined ? ' (events/s)' : ''),
      num(throughputOf(k), 0),
      num(throughputOf(e), 0),
      num(ratio(throughputOf(k), throughputOf(e)), 2),
      num(k.latency.meanMs, 2),
      num(e.latency.meanMs, 2),
      num(ratio(k.latency.meanMs, e.latency.meanMs), 2),
      num(k.latency.p99Ms, 2),
      num(e.latency.p99Ms, 2),
      num(ratio(k.latency.p99Ms, e.latency.p99Ms), 2),
      `${num(gen * 100, 0)}%`,
      String(errors),
    ];
  });
}

function figureRows(label: string, figures: Record<BackendName, MemberFigures>): string[][] {
  const maxRss = (f: MemberFigures) => Math.max(...f.rssBytes.map((b) => b ?? 0));
  const dataDir = (f: MemberFigures) => Math.max(...f.dataDirBytes);
  const [k, e] = [figures.kvd, figures.etcd];
  return [
    [`RSS, largest member (MB), ${label}`, mb(maxRss(k)), mb(maxRss(e)), num(ratio(maxRss(k), maxRss(e)), 2)],
    [`data dir, largest member (MB), ${label}`, mb(dataDir(k)), mb(dataDir(e)), num(ratio(dataDir(k), dataDir(e)), 2)],
  ];
}

/** The comparison as Markdown tables: one for the workloads, one for memory, disk and restart. */
export function formatComparison(report: DriverReport): string {
  const header = [
    'workload',
    'kvd req/s',
    'etcd req/s',
    'ratio',
    'kvd mean ms',
    'etcd mean ms',
    'ratio',
    'kvd p99 ms',
    'etcd p99 ms',
    'ratio',
    'gen cpu',
    'errors',
  ];
  const resources: string[][] = [...figureRows('after the workloads', report.afterRun)];
  if (report.afterKeys) {
    const { keys, loadOpsPerSecond: ops } = report.afterKeys;
    resources.push(
      [`load of ${keys} keys (req/s)`, num(ops.kvd, 0), num(ops.etcd, 0), num(ratio(ops.kvd, ops.etcd), 2)],
      ...figureRows(`after ${keys} keys`, report.afterKeys.figures),
    );
  }
  const { keys, servingMs } = report.restart;
  resources.push([
    `restart to serving (ms), ${keys} keys`,
    num(servingMs.kvd, 0),
    num(servingMs.etcd, 0),
    num(ratio(servingMs.kvd, servingMs.etcd), 2),
  ]);
  const lines = [
    renderTable(header, workloadRows(report)),
    '',
    renderTable([...['measure'], ...BACKENDS, 'ratio'], resources),
    '',
    `load average at start ${report.loadAverage.start.map((n) => n.toFixed(2)).join(' ')}, ` +
      `at end ${report.loadAverage.end.map((n) => n.toFixed(2)).join(' ')}; ` +
      `${report.rounds} rounds (kvd, etcd alternating), ${report.machine.cpus} CPUs`,
  ];
  if (report.profile) lines.push('', formatProfile(report.profile));
  return lines.join('\n');
}

/** The profile summary: busy share, self time by area, then the top functions. */
export function formatProfile(profile: NonNullable<DriverReport['profile']>): string {
  const { summary, workload, file } = profile;
  const busy = summary.sampledMs > 0 ? (100 * summary.busyMs) / summary.sampledMs : 0;
  const seconds = (summary.sampledMs / 1000).toFixed(1);
  const lines = [`kvd leader under ${workload}: busy ${busy.toFixed(0)}% of ${seconds} s sampled (${file})`];
  lines.push('time by stage, inclusive (share of busy time; stages overlap):');
  for (const t of summary.stages) lines.push(`  ${t.percent.toFixed(1).padStart(5)}%  ${t.location}`);
  lines.push('self time by area (share of busy time):');
  for (const t of summary.areas) lines.push(`  ${t.percent.toFixed(1).padStart(5)}%  ${t.location}`);
  lines.push('top functions by self time:');
  for (const t of summary.functions) lines.push(`  ${t.percent.toFixed(1).padStart(5)}%  ${t.location}`);
  return lines.join('\n');
}
