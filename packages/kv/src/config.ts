import type { LogLevel } from '@coreos-ts/grpc-kit';

/** Everything kvd is configured by, with etcd's flag names in kebab-case beside each field. */
export interface KvdConfig {
  /** --name */
  name: string;
  /** --data-dir */
  dataDir: string;
  /** --listen-client-urls */
  listenClientUrls: URL[];
  /** --advertise-client-urls */
  advertiseClientUrls: string[];
  /** --listen-peer-urls */
  listenPeerUrls: URL[];
  /** --initial-advertise-peer-urls */
  initialAdvertisePeerUrls: string[];
  /** --initial-cluster: member name -> peer URLs */
  initialCluster: Map<string, string[]>;
  /** --initial-cluster-state */
  initialClusterState: 'new' | 'existing';
  /** --initial-cluster-token */
  initialClusterToken: string;
  /** --heartbeat-interval (ms) */
  heartbeatIntervalMs: number;
  /** --election-timeout (ms) */
  electionTimeoutMs: number;
  /** --snapshot-count: applied entries between snapshots */
  snapshotCount: number;
  /** --experimental-snapshot-catchup-entries: raft entries kept behind a snapshot */
  snapshotCatchUpEntries: number;
  /** --auth-token-ttl: seconds a simple token from Authenticate stays valid */
  authTokenTtlSeconds: number;
  /** --auto-compaction-mode with --auto-compaction-retention; undefined: off */
  autoCompaction: AutoCompaction | undefined;
  /** --quota-backend-bytes; 0 means the default (2 GiB) */
  quotaBackendBytes: number;
  /** --max-request-bytes */
  maxRequestBytes: number;
  /** --max-txn-ops */
  maxTxnOps: number;
  /** --listen-metrics-urls */
  listenMetricsUrls: URL[];
  /** --log-level */
  logLevel: LogLevel;
  /** Client TLS: --cert-file, --key-file, --trusted-ca-file, --client-cert-auth */
  clientTls: TlsFiles;
  /** Peer TLS: --peer-cert-file, --peer-key-file, --peer-trusted-ca-file, --peer-client-cert-auth */
  peerTls: TlsFiles;
}

/** Keep `retentionMs` of history (periodic) or the last `retentionRevisions` revisions (revision). */
export type AutoCompaction =
  | { mode: 'periodic'; retentionMs: number }
  | { mode: 'revision'; retentionRevisions: number };

export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  trustedCaFile?: string;
  clientCertAuth: boolean;
}

export const DEFAULT_QUOTA_BACKEND_BYTES = 2 * 1024 * 1024 * 1024;
export const MAX_QUOTA_BACKEND_BYTES = 8 * 1024 * 1024 * 1024;

export function defaultKvdConfig(): KvdConfig {
  return {
    name: 'default',
    dataDir: 'default.etcd',
    listenClientUrls: [new URL('http://localhost:2379')],
    advertiseClientUrls: ['http://localhost:2379'],
    listenPeerUrls: [new URL('http://localhost:2380')],
    initialAdvertisePeerUrls: ['http://localhost:2380'],
    initialCluster: new Map([['default', ['http://localhost:2380']]]),
    initialClusterState: 'new',
    initialClusterToken: 'etcd-cluster',
    heartbeatIntervalMs: 100,
    electionTimeoutMs: 1000,
    snapshotCount: 100_000,
    snapshotCatchUpEntries: 5000,
    autoCompaction: undefined,
    authTokenTtlSeconds: 300,
    quotaBackendBytes: 0,
    maxRequestBytes: 1.5 * 1024 * 1024,
    maxTxnOps: 128,
    listenMetricsUrls: [],
    logLevel: 'info',
    clientTls: { clientCertAuth: false },
    peerTls: { clientCertAuth: false },
  };
}

/** A configuration that cannot work; the message names the flag and what is wrong with it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** `a=http://x:2380,b=http://y:2380,a=http://z:2380` -> name -> URLs, as etcd's --initial-cluster. */
export function parseInitialCluster(text: string): Map<string, string[]> {
  const cluster = new Map<string, string[]>();
  for (const part of text.split(',').map((s) => s.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--initial-cluster: "${part}" is not of the form name=url`);
    const name = part.slice(0, eq);
    const url = part.slice(eq + 1);
    parseUrl('--initial-cluster', url);
    cluster.set(name, [...(cluster.get(name) ?? []), url]);
  }
  return cluster;
}

export function parseUrl(flag: string, text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`${flag}: "${text}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${flag}: "${text}" must use http or https`);
  }
  if (url.port === '') throw new ConfigError(`${flag}: "${text}" has no port`);
  return url;
}

export function parseUrls(flag: string, text: string): URL[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => parseUrl(flag, s));
}

/** Checks the relationships between fields, once, at start; throws a ConfigError naming the flag. */
export function validateKvdConfig(config: KvdConfig): KvdConfig {
  if (config.name === '') throw new ConfigError('--name must not be empty');
  if (config.heartbeatIntervalMs <= 0) throw new ConfigError('--heartbeat-interval must be positive');
  if (config.electionTimeoutMs < 5 * config.heartbeatIntervalMs) {
    throw new ConfigError(
      `--election-timeout (${config.electionTimeoutMs}ms) must be at least 5x --heartbeat-interval (${config.heartbeatIntervalMs}ms)`,
    );
  }
  if (config.electionTimeoutMs > 50_000) {
    throw new ConfigError(`--election-timeout (${config.electionTimeoutMs}ms) is too long; the maximum is 50000ms`);
  }
  if (config.snapshotCount <= 0) throw new ConfigError('--snapshot-count must be positive');
  if (config.snapshotCatchUpEntries <= 0)
    throw new ConfigError('--experimental-snapshot-catchup-entries must be positive');
  if (config.quotaBackendBytes < 0) throw new ConfigError('--quota-backend-bytes must not be negative');
  if (config.maxRequestBytes <= 0) throw new ConfigError('--max-request-bytes must be positive');
  if (config.maxTxnOps <= 0) throw new ConfigError('--max-txn-ops must be positive');
  if (config.listenClientUrls.length === 0) throw new ConfigError('--listen-client-urls must name at least one URL');
  if (config.listenPeerUrls.length === 0) throw new ConfigError('--listen-peer-urls must name at least one URL');
  checkTls('client', '', config.listenClientUrls, config.clientTls);
  checkTls('peer', 'peer-', config.listenPeerUrls, config.peerTls);
  const mine = config.initialCluster.get(config.name);
  if (!mine) {
    throw new ConfigError(`--initial-cluster has no member named "${config.name}" (--name)`);
  }
  const advertised = [...config.initialAdvertisePeerUrls].sort();
  if (advertised.join(',') !== [...mine].sort().join(',')) {
    throw new ConfigError(
      `--initial-cluster has ${config.name}=${mine.join(',')} but --initial-advertise-peer-urls is ${advertised.join(',')}`,
    );
  }
  return config;
}

/** The backend quota in force: the flag's value, or etcd's default when it is 0. */
export function effectiveQuotaBytes(config: KvdConfig): number {
  return config.quotaBackendBytes === 0 ? DEFAULT_QUOTA_BACKEND_BYTES : config.quotaBackendBytes;
}

/** https listeners need a certificate, and plain http ones must not be handed one silently. */
function checkTls(what: string, prefix: string, urls: readonly URL[], tls: TlsFiles): void {
  const https = urls.filter((u) => u.protocol === 'https:');
  const http = urls.filter((u) => u.protocol === 'http:');
  const hasPair = tls.certFile !== undefined && tls.keyFile !== undefined;
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw new ConfigError(`--${prefix}cert-file and --${prefix}key-file must be given together`);
  }
  if (https.length > 0 && !hasPair) {
    throw new ConfigError(
      `--listen-${what}-urls has ${https[0]?.origin} (https) but --${prefix}cert-file/--${prefix}key-file are not set`,
    );
  }
  if (http.length > 0 && hasPair) {
    throw new ConfigError(
      `--${prefix}cert-file is set but --listen-${what}-urls has ${http[0]?.origin} (http): use https:// URLs for TLS`,
    );
  }
  if (tls.clientCertAuth && tls.trustedCaFile === undefined) {
    throw new ConfigError(`--${prefix}client-cert-auth needs --${prefix}trusted-ca-file`);
  }
}

/**
 * etcd's --auto-compaction-mode/--auto-compaction-retention: periodic takes a duration ("1h",
 * "30m") or a bare number of hours; revision takes a number of revisions. Retention 0 is off.
 */
export function parseAutoCompaction(mode: string, retention: string): AutoCompaction | undefined {
  const text = retention.trim();
  if (text === '' || text === '0') return undefined;
  if (mode === 'revision') {
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new ConfigError(
        `--auto-compaction-retention "${retention}" must be a number of revisions in revision mode`,
      );
    }
    return { mode, retentionRevisions: n };
  }
  if (mode !== 'periodic') throw new ConfigError(`--auto-compaction-mode "${mode}" must be periodic or revision`);
  if (/^\d+(\.\d+)?$/.test(text)) return { mode, retentionMs: Number(text) * 3_600_000 };
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.map((p) => p[0]).join('') !== text) {
    throw new ConfigError(`--auto-compaction-retention "${retention}" is not a duration (e.g. 1h, 30m) or hours`);
  }
  for (const p of parts) total += Number(p[1]) * (units[p[2] ?? ''] ?? 0);
  return { mode, retentionMs: total };
}
