import { envOption, LOG_LEVELS, type LogLevel, parsePositiveInt } from '@coreos-ts/grpc-kit';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  ConfigError,
  defaultKvdConfig,
  type KvdConfig,
  parseAutoCompaction,
  parseInitialCluster,
  parseUrls,
  type TlsFiles,
  validateKvdConfig,
} from './config.js';

const opt = (flags: string, description: string) => envOption('ETCD', flags, description);

function nonNegativeInt(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`"${text}" is not a non-negative integer`);
  return n;
}

/** kvd's command line: etcd's flag names, meanings and ETCD_* environment fallbacks. */
export function kvdCommand(version: string): Command {
  const d = defaultKvdConfig();
  return new Command('kvd')
    .description('A Raft-replicated key-value store, wire-compatible with the etcd v3 API')
    .version(version, '--version')
    .addOption(opt('--name <name>', 'human-readable name for this member').default(d.name))
    .addOption(opt('--data-dir <path>', 'path to the data directory (default: <name>.etcd)'))
    .addOption(
      opt('--listen-client-urls <urls>', 'URLs to listen on for client traffic').default('http://localhost:2379'),
    )
    .addOption(
      opt('--advertise-client-urls <urls>', "this member's client URLs to advertise").default('http://localhost:2379'),
    )
    .addOption(opt('--listen-peer-urls <urls>', 'URLs to listen on for peer traffic').default('http://localhost:2380'))
    .addOption(
      opt('--initial-advertise-peer-urls <urls>', "this member's peer URLs to advertise").default(
        'http://localhost:2380',
      ),
    )
    .addOption(opt('--initial-cluster <members>', 'initial cluster: name=peer-url,...'))
    .addOption(
      opt('--initial-cluster-state <state>', 'new for a new cluster, existing to join one')
        .choices(['new', 'existing'])
        .default('new'),
    )
    .addOption(opt('--initial-cluster-token <token>', 'initial cluster token').default(d.initialClusterToken))
    .addOption(opt('--heartbeat-interval <ms>', 'time between heartbeats, ms').argParser(parsePositiveInt).default(100))
    .addOption(opt('--election-timeout <ms>', 'election timeout, ms').argParser(parsePositiveInt).default(1000))
    .addOption(
      opt('--snapshot-count <n>', 'committed entries between snapshots').argParser(parsePositiveInt).default(100_000),
    )
    .addOption(
      opt('--experimental-snapshot-catchup-entries <n>', 'entries kept behind a snapshot for slow followers')
        .argParser(parsePositiveInt)
        .default(d.snapshotCatchUpEntries),
    )
    .addOption(opt('--auth-token <type>', 'simple (signed JWT tokens are not in this build)').default('simple'))
    .addOption(
      opt('--auth-token-ttl <seconds>', 'how long a simple token lives').argParser(parsePositiveInt).default(300),
    )
    .addOption(
      opt('--auto-compaction-mode <mode>', 'periodic (retention is a duration) or revision').default('periodic'),
    )
    .addOption(opt('--auto-compaction-retention <value>', 'history to keep; 0 turns auto-compaction off').default('0'))
    .addOption(
      opt('--quota-backend-bytes <n>', 'backend size that raises the NOSPACE alarm (0: 2 GiB)')
        .argParser(nonNegativeInt)
        .default(0),
    )
    .addOption(
      opt('--max-request-bytes <n>', 'largest client request, bytes')
        .argParser(parsePositiveInt)
        .default(d.maxRequestBytes),
    )
    .addOption(opt('--max-txn-ops <n>', 'most operations in one txn').argParser(parsePositiveInt).default(d.maxTxnOps))
    .addOption(opt('--listen-metrics-urls <urls>', 'URLs serving /metrics and /health'))
    .addOption(
      opt('--log-level <level>', 'debug, info, warn, error')
        .choices(LOG_LEVELS.filter((l) => l !== 'silent'))
        .default('info'),
    )
    .addOption(opt('--cert-file <path>', 'client server TLS certificate'))
    .addOption(opt('--key-file <path>', 'client server TLS key'))
    .addOption(opt('--trusted-ca-file <path>', 'CA of client certificates'))
    .addOption(opt('--client-cert-auth', 'require client certificates signed by --trusted-ca-file'))
    .addOption(opt('--peer-cert-file <path>', 'peer TLS certificate (server and client)'))
    .addOption(opt('--peer-key-file <path>', 'peer TLS key'))
    .addOption(opt('--peer-trusted-ca-file <path>', 'CA of peer certificates'))
    .addOption(opt('--peer-client-cert-auth', 'require peer certificates signed by --peer-trusted-ca-file'))
    .addOption(new Option('--logger <logger>', 'accepted for etcd compatibility; kvd always logs JSON').hideHelp())
    .allowExcessArguments(false);
}

function tlsFiles(cert: unknown, key: unknown, ca: unknown, auth: unknown): TlsFiles {
  return {
    ...(typeof cert === 'string' ? { certFile: cert } : {}),
    ...(typeof key === 'string' ? { keyFile: key } : {}),
    ...(typeof ca === 'string' ? { trustedCaFile: ca } : {}),
    clientCertAuth: auth === true || auth === 'true',
  };
}

/** Parsed flags -> a validated config. Throws ConfigError naming the flag. */
export function configFromFlags(o: Record<string, unknown>): KvdConfig {
  const name = String(o.name);
  const peerUrls = String(o.initialAdvertisePeerUrls);
  if (String(o.authToken).split(',')[0] !== 'simple') {
    throw new ConfigError(`--auth-token "${String(o.authToken)}": only simple tokens are in this build`);
  }
  const config: KvdConfig = {
    ...defaultKvdConfig(),
    name,
    dataDir: typeof o.dataDir === 'string' ? o.dataDir : `${name}.etcd`,
    listenClientUrls: parseUrls('--listen-client-urls', String(o.listenClientUrls)),
    advertiseClientUrls: parseUrls('--advertise-client-urls', String(o.advertiseClientUrls)).map((u) => u.origin),
    listenPeerUrls: parseUrls('--listen-peer-urls', String(o.listenPeerUrls)),
    initialAdvertisePeerUrls: parseUrls('--initial-advertise-peer-urls', peerUrls).map((u) => u.origin),
    initialCluster: parseInitialCluster(
      typeof o.initialCluster === 'string' ? o.initialCluster : `${name}=${peerUrls}`,
    ),
    initialClusterState: o.initialClusterState === 'existing' ? 'existing' : 'new',
    initialClusterToken: String(o.initialClusterToken),
    heartbeatIntervalMs: Number(o.heartbeatInterval),
    electionTimeoutMs: Number(o.electionTimeout),
    snapshotCount: Number(o.snapshotCount),
    snapshotCatchUpEntries: Number(o.experimentalSnapshotCatchupEntries),
    authTokenTtlSeconds: Number(o.authTokenTtl),
    autoCompaction: parseAutoCompaction(String(o.autoCompactionMode), String(o.autoCompactionRetention)),
    quotaBackendBytes: Number(o.quotaBackendBytes),
    maxRequestBytes: Number(o.maxRequestBytes),
    maxTxnOps: Number(o.maxTxnOps),
    listenMetricsUrls:
      typeof o.listenMetricsUrls === 'string' ? parseUrls('--listen-metrics-urls', o.listenMetricsUrls) : [],
    logLevel: o.logLevel as LogLevel,
    clientTls: tlsFiles(o.certFile, o.keyFile, o.trustedCaFile, o.clientCertAuth),
    peerTls: tlsFiles(o.peerCertFile, o.peerKeyFile, o.peerTrustedCaFile, o.peerClientCertAuth),
  };
  // URLs in --initial-cluster are compared with the advertised ones in their canonical form.
  for (const [member, urls] of config.initialCluster) {
    config.initialCluster.set(
      member,
      urls.map((u) => new URL(u).origin),
    );
  }
  return validateKvdConfig(config);
}

export { ConfigError };
