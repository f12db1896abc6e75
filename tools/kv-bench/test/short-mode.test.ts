import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { kvdLauncherPath } from '../src/driver/clusters.js';
import { formatComparison, ratio, throughputOf } from '../src/driver/comparison-table.js';
import { runDriver } from '../src/driver/run-driver.js';

const outDir = mkdtempSync(join(tmpdir(), 'kv-bench-test-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

describe('kv-bench --short against kvd and etcd', () => {
  it('runs every workload on both clusters and prints both columns with sane numbers', async () => {
    const chartPath = join(outDir, 'chart.svg');
    const report = await runDriver({
      short: true,
      rounds: 2,
      workers: 1,
      rssKeys: 0,
      chartClients: [1, 16, 64, 256],
      chartPath,
      kvdBinary: kvdLauncherPath(),
      etcdBinary: 'etcd',
      dataRoot: tmpdir(),
      log: () => {},
    });

    expect(report.workloads.map((w) => w.id)).toEqual([
      'put-1c',
      'put-256c',
      'range-l-256c',
      'range-s-256c',
      'watch-100w',
      'put-16c',
      'put-64c',
    ]);
    for (const { id, results } of report.workloads) {
      for (const result of [results.kvd, results.etcd]) {
        expect(result.errors, `${id} errors: ${result.firstError}`).toBe(0);
        expect(throughputOf(result), id).toBeGreaterThan(0);
        expect(result.latency.p99Ms, id).toBeGreaterThan(0);
        expect(result.latency.p99Ms, id).toBeGreaterThanOrEqual(result.latency.p50Ms);
        expect(result.latency.maxMs, id).toBeGreaterThanOrEqual(result.latency.p99Ms);
      }
      expect(Number.isFinite(ratio(throughputOf(results.kvd), throughputOf(results.etcd))), id).toBe(true);
      expect(Number.isFinite(ratio(results.kvd.latency.p99Ms, results.etcd.latency.p99Ms)), id).toBe(true);
    }
    for (const figures of [report.afterRun.kvd, report.afterRun.etcd]) {
      expect(figures.rssBytes.every((b) => b !== undefined && b > 1_000_000)).toBe(true);
      expect(figures.dataDirBytes.every((b) => b > 0)).toBe(true);
    }
    expect(report.restart.servingMs.kvd).toBeGreaterThan(0);
    expect(report.restart.servingMs.etcd).toBeGreaterThan(0);

    const table = formatComparison(report);
    expect(table).toMatch(/\| workload +\| kvd req\/s \| etcd req\/s \| ratio \|/);
    expect(table).not.toContain('n/a');
    expect(table.split('\n').filter((line) => line.startsWith('| put, 256 clients'))).toHaveLength(1);

    const svg = readFileSync(chartPath, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(8);
  }, 240_000);
});
