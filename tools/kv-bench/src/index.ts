// kv-bench: a load generator for the etcd v3 API and a driver comparing kvd with etcd.

export { kvdLauncherPath } from './driver/clusters.js';
export { formatComparison, formatProfile, ratio, throughputOf } from './driver/comparison-table.js';
export {
  type CpuProfile,
  KVD_STAGES,
  type ProfileStage,
  type ProfileSummary,
  type SelfTime,
  summariseCpuProfile,
} from './driver/cpu-profile.js';
export { driverPlan } from './driver/driver-plan.js';
export type { DriverReport, MemberFigures, WorkloadComparison } from './driver/driver-report.js';
export { driverReportJson } from './driver/report-json.js';
export { type DriverOptions, runDriver, runKvdProfile } from './driver/run-driver.js';
export { type ChartSeries, renderThroughputChart } from './driver/svg-chart.js';
export { formatLoadResult, loadResultJson } from './load/format-result.js';
export { Histogram, type HistogramSnapshot, type LatencySummary } from './load/histogram.js';
export { type LoadResult, mergeResults } from './load/load-result.js';
export { defaultLoadSpec, type LoadSpec, validateLoadSpec, WORKLOADS, type Workload } from './load/load-spec.js';
export { runLoad } from './load/run-load.js';
