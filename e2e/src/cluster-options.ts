// What a cluster is made of and its timings; every field has a default but `nodes` and `dir`.
import type { ComponentName } from './machine-config.js';

export interface ClusterOptions {
  readonly nodes: number;
  /** The cluster's directory (created if absent). */
  readonly dir: string;
  /** The version every machine's slot A holds at first boot. */
  readonly baseVersion?: string;
  /** update-engine's --check-interval (default 2s) and --initial-check-delay (1s). */
  readonly checkInterval?: string;
  readonly initialCheckDelay?: string;
  /** update-engine's --health-window after booting a new slot (default 0s: one probe). */
  readonly healthWindow?: string;
  /** The store: 'kvd' (default) or a binary taking etcd's flags, e.g. 'etcd' (the reference). */
  readonly kvBinary?: string;
  readonly kvHeartbeatMs?: number;
  readonly kvElectionMs?: number;
  /** Start fleetd / locksmithd when their binaries are built (default true). */
  readonly fleetd?: boolean;
  readonly locksmithd?: boolean;
  /** Extra flags per component, after the harness's own (e.g. locksmithd's reboot window). */
  readonly extraArgs?: Partial<Readonly<Record<ComponentName, readonly string[]>>>;
  /** fleetd's --agent-ttl (default 3s). */
  readonly fleetAgentTtl?: string;
  /**
   * fleetd runs `.container` units through the host's dockerd (its socket must exist); default
   * false: `--docker-socket ''`, process units only. All machines share that one dockerd.
   */
  readonly docker?: boolean;
  /** Bound on startup and on each machine's return after a reboot (default 60 s). */
  readonly readyTimeoutMs?: number;
  /** SIGTERM -> SIGKILL grace when stopping a process (default 3 s). */
  readonly stopGraceMs?: number;
  readonly logLevel?: string;
  /**
   * Each machine in its own network namespace with its own address on a bridge, so partitions
   * are real (`src/netns.ts`; needs root, ip and nft). Default false: all on 127.0.0.1.
   */
  readonly netns?: boolean;
  /**
   * When the harness dies without stopping the cluster (SIGKILL, a killed test worker), its
   * reaper kills the processes; with this it also removes the directory (default false).
   */
  readonly removeDirIfAbandoned?: boolean;
  /** Called once `down` (control endpoint) has stopped everything and answered. */
  readonly onDown?: () => void;
}
