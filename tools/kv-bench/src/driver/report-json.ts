import { loadResultJson } from '../load/format-result.js';
import type { DriverReport } from './driver-report.js';

/** The report as plain JSON: results without histogram buckets, ratios added per workload. */
export function driverReportJson(report: DriverReport): unknown {
  return {
    ...report,
    workloads: report.workloads.map((w) => ({
      id: w.id,
      title: w.title,
      kvd: loadResultJson(w.results.kvd),
      etcd: loadResultJson(w.results.etcd),
    })),
  };
}
