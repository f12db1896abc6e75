import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, requireTool, waitUntil } from '@coreos-ts/grpc-kit/testing';
import { KvClient } from '../client.js';

export interface ClusterOptions {
  size: number;
  /** The server binary: 'etcd' (from PATH), kvd's launcher, or a path. */
  binary: string;
  /** Extra flags for every member. */
  args?: string[];
  /** Parent directory for the members' data dirs; a fresh temp dir when absent. */
  dataDir?: string;
  heartbeatIntervalMs?: number;
  electionTimeoutMs?: number;
  /** How long startup (and each restart) may take before failing with the member's log. */
  readyTimeoutMs?: number;
  /** Serve clients over TLS (https client URLs); peers stay plain. */
  tls?: ClusterTls;
}

export interface ClusterTls {
  certFile: string;
  keyFile: string;
  /** CA of client certificates (and of the server certificate, for the readiness probe). */
  caFile: string;
  /** Require client certificates (mTLS); the probe then uses clientCertFile/clientKeyFile. */
  clientCertAuth?: boolean;
  clientCertFile?: string;
  clientKeyFile?: string;
}

export interface ClusterMember {
  readonly name: string;
  readonly clientUrl: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  /** The running process id; undefined while the member is down. */
  readonly pid: number | undefined;
  readonly running: boolean;
  /** Sends a signal; for terminating signals, resolves once the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the member again on its data dir and waits until it serves. */
  restart(): Promise<void>;
  /** The member's combined stdout/stderr so far. */
  log(): string;
}

export interface RunningCluster {
  endpoints: string[];
  members: ClusterMember[];
  /** Kills every member and removes the data dirs (only a temp dir the launcher made). */
  stop(): Promise<void>;
}

const INSTALL_HINT = 'apt-get install etcd-server etcd-client';

class Member implements ClusterMember {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    readonly clientUrl: string,
    readonly peerUrl: string,
    readonly dataDir: string,
    private readonly binary: string,
    private readonly flags: string[],
    private readonly readyTimeoutMs: number,
    private readonly tls: ClusterTls | undefined,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  private get logPath(): string {
    return `${this.dataDir}.log`;
  }

  start(): void {
    const logFd = openSync(this.logPath, 'a');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('ETCD')));
    const child = spawn(this.binary, this.flags, { stdio: ['ignore', logFd, logFd], env });
    closeSync(logFd);
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', () => {
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill(signal);
    if (signal === 'SIGKILL' || signal === 'SIGTERM' || signal === 'SIGINT') await this.exited;
  }

  async restart(): Promise<void> {
    if (this.child) await this.kill('SIGKILL');
    this.start();
    await this.waitServing();
  }

  log(): string {
    try {
      return readFileSync(this.logPath, 'utf8');
    } catch {
      return '';
    }
  }

  /** Polls the member until it reports a leader (the process gives no readiness event). */
  async waitServing(): Promise<void> {
    const tls = this.tls
      ? {
          caFile: this.tls.caFile,
          ...(this.tls.clientCertFile ? { certFile: this.tls.clientCertFile } : {}),
          ...(this.tls.clientKeyFile ? { keyFile: this.tls.clientKeyFile } : {}),
        }
      : undefined;
    const client = new KvClient({ endpoints: [this.clientUrl], dialTimeoutMs: 500, callTimeoutMs: 1_000, tls });
    try {
      await waitUntil(
        `${this.name} (${this.clientUrl}) to serve`,
        async () => {
          if (!this.child) throw new Error(`${this.name} exited:\n${this.log().slice(-2_000)}`);
          const status = await client.maintenance.status({ endpoint: this.clientUrl, timeoutMs: 1_000 });
          return status.leader !== 0n;
        },
        { timeoutMs: this.readyTimeoutMs, intervalMs: 50 },
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- ${this.name} log ---\n${this.log().slice(-3_000)}`);
    } finally {
      client.close();
    }
  }
}

/**
 * Starts a real cluster on 127.0.0.1 with free ports, using etcd's flags (kvd takes the same),
 * and waits until every member serves with a leader.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const binary = requireTool(options.binary, INSTALL_HINT);
  const ownsDir = options.dataDir === undefined;
  const root = options.dataDir ?? mkdtempSync(join(tmpdir(), 'kv-cluster-'));
  const token = `cluster-${process.pid}-${Date.now()}`;
  const specs: { name: string; clientUrl: string; peerUrl: string }[] = [];
  for (let i = 0; i < options.size; i++) {
    const clientUrl = `${options.tls ? 'https' : 'http'}://127.0.0.1:${await freePort()}`;
    const peerUrl = `http://127.0.0.1:${await freePort()}`;
    specs.push({ name: `m${i}`, clientUrl, peerUrl });
  }
  const initialCluster = specs.map((s) => `${s.name}=${s.peerUrl}`).join(',');
  const members = specs.map((spec) => {
    const dataDir = join(root, spec.name);
    const flags = [
      `--name=${spec.name}`,
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${spec.clientUrl}`,
      `--advertise-client-urls=${spec.clientUrl}`,
      `--listen-peer-urls=${spec.peerUrl}`,
      `--initial-advertise-peer-urls=${spec.peerUrl}`,
      `--initial-cluster=${initialCluster}`,
      '--initial-cluster-state=new',
      `--initial-cluster-token=${token}`,
      `--heartbeat-interval=${options.heartbeatIntervalMs ?? 50}`,
      `--election-timeout=${options.electionTimeoutMs ?? 500}`,
      ...(options.tls
        ? [
            `--cert-file=${options.tls.certFile}`,
            `--key-file=${options.tls.keyFile}`,
            `--trusted-ca-file=${options.tls.caFile}`,
            ...(options.tls.clientCertAuth ? ['--client-cert-auth'] : []),
          ]
        : []),
      ...(options.args ?? []),
    ];
    return new Member(
      spec.name,
      spec.clientUrl,
      spec.peerUrl,
      dataDir,
      binary,
      flags,
      options.readyTimeoutMs ?? 30_000,
      options.tls,
    );
  });
  const stop = async (): Promise<void> => {
    await Promise.all(members.map((m) => m.kill('SIGKILL')));
    if (ownsDir) rmSync(root, { recursive: true, force: true });
  };
  try {
    for (const member of members) member.start();
    await Promise.all(members.map((m) => m.waitServing()));
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoints: specs.map((s) => s.clientUrl), members, stop };
}
