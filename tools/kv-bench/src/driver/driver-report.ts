import type { LoadResult } from '../load/load-result.js';
import type { BackendName } from './clusters.js';
import type { ProfileSummary } from './cpu-profile.js';

export interface WorkloadComparison {
  id: string;
  title: string;
  results: Record<BackendName, LoadResult>;
}

/** Per member: resident memory (undefined when the process is gone) and data dir size. */
export interface MemberFigures {
  rssBytes: (number | undefined)[];
  dataDirBytes: number[];
}

export interface DriverReport {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; kernel: string };
  /** 1, 5 and 15 minute load averages when the run started and when it finished. */
  loadAverage: { start: number[]; end: number[] };
  short: boolean;
  rounds: number;
  workers: number;
  workloads: WorkloadComparison[];
  afterRun: Record<BackendName, MemberFigures>;
  afterKeys?: {
    keys: number;
    loadOpsPerSecond: Record<BackendName, number>;
    figures: Record<BackendName, MemberFigures>;
  };
  /** kill -9 of a follower, until it serves again (Maintenance.Status reports a leader). */
  restart: { keys: number; servingMs: Record<BackendName, number> };
  profile?: { file: string; workload: string; summary: ProfileSummary };
}
