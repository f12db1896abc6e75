// A whole cluster on one host: N machines (each a disk image + supervised processes), one
// update-server, and the control endpoint. Everything listens on 127.0.0.1 with free ports, or in
// netns mode each machine has a network namespace and an address of its own (src/netns.ts).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KvClient } from '@coreos-ts/kv-client';
import { type ClusterInfo, writeClusterInfo } from './cluster-info.js';
import type { ClusterOptions } from './cluster-options.js';
import { type ClusterStatus, gatherStatus } from './cluster-status.js';
import { type ClusterControl, type ControlServer, type MachineAction, startControlServer } from './control-server.js';
import { Machine } from './machine.js';
import type { ComponentName } from './machine-config.js';
import { machineNames, planMachines } from './machine-plan.js';
import { requireDockerSocket } from './machine-units.js';
import {
  chooseNetwork,
  createNetwork,
  destroyNetwork,
  type NetworkPlan,
  networkResources,
  requireNetnsSupport,
} from './netns.js';
import { applyPartition, completePartition, healPartition, type PartitionGroups } from './partition.js';
import { PortAllocator } from './ports.js';
import { type Reaper, startReaper } from './reaper.js';
import { UpdateEngineRpc } from './rpc.js';
import { type RunningUpdateServer, startUpdateServer, UPDATE_CHANNEL, UPDATE_GROUP } from './update-server-process.js';
import { usrPayload } from './usr-image.js';
import { waitReady } from './wait-ready.js';

export interface PublishResult {
  readonly version: string;
  readonly bad: boolean;
  readonly sizeBytes: number;
  readonly sha256: string;
}

export class Cluster implements ClusterControl {
  private machineList: Machine[] = [];
  private updateServer: RunningUpdateServer | undefined;
  private control: ControlServer | undefined;
  private privateKey: KeyObject | undefined;
  private stopped = false;
  private readonly exitHook = () => this.killNow();
  private clusterInfo: ClusterInfo | undefined;
  private reaper: Reaper | undefined;
  private network: NetworkPlan | undefined;
  private partitionGroups: string[][] | null = null;

  private constructor(readonly options: ClusterOptions) {}

  /** Starts everything and resolves once every machine serves (cluster.json written). */
  static async start(options: ClusterOptions): Promise<Cluster> {
    if (!(Number.isInteger(options.nodes) && options.nodes >= 1 && options.nodes <= 9)) {
      throw new Error(`nodes (${options.nodes}) must be an integer from 1 to 9`);
    }
    if (options.netns === true) requireNetnsSupport();
    if (options.docker === true) requireDockerSocket();
    const cluster = new Cluster(options);
    process.on('exit', cluster.exitHook);
    try {
      await cluster.startAll();
    } catch (err) {
      await cluster.stop().catch(() => undefined);
      throw err;
    }
    return cluster;
  }

  get dir(): string {
    return this.options.dir;
  }

  get info(): ClusterInfo {
    if (this.clusterInfo === undefined) throw new Error('the cluster has not started');
    return this.clusterInfo;
  }

  get machines(): readonly Machine[] {
    return this.machineList;
  }

  machine(name: string): Machine {
    const m = this.machineList.find((x) => x.name === name);
    if (m === undefined)
      throw new Error(`no machine ${name} (machines: ${this.machineList.map((x) => x.name).join(', ')})`);
    return m;
  }

  private get readyTimeoutMs(): number {
    return this.options.readyTimeoutMs ?? 60_000;
  }

  private async startAll(): Promise<void> {
    const o = this.options;
    const dir = o.dir;
    const logLevel = o.logLevel ?? 'info';
    mkdirSync(join(dir, 'keys'), { recursive: true });
    // the reaper learns the network's names before it exists, so a harness killed meanwhile leaves nothing
    this.network = o.netns === true ? await chooseNetwork(machineNames(o.nodes)) : undefined;
    const network = this.network;
    this.reaper = startReaper(dir, o.removeDirIfAbandoned ?? false, network && networkResources(network));
    if (network !== undefined) await createNetwork(network);
    const host = network?.hostAddress ?? '127.0.0.1';
    mkdirSync(join(dir, 'bad-versions'), { recursive: true });
    this.control = await startControlServer(this, host);
    const keys = generateKeyPairSync('ed25519');
    this.privateKey = keys.privateKey;
    const publicKeyPath = join(dir, 'keys', 'signing.pub.pem');
    writeFileSync(join(dir, 'keys', 'signing.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
      mode: 0o600,
    });
    writeFileSync(publicKeyPath, keys.publicKey.export({ type: 'spki', format: 'pem' }));
    this.log({ event: 'starting', nodes: o.nodes, control: this.control.url });
    const ports = new PortAllocator();
    this.updateServer = await startUpdateServer({
      dir,
      publicKeyPath,
      logLevel,
      readyTimeoutMs: this.readyTimeoutMs,
      ports,
      host,
    });

    const configs = await planMachines(
      o,
      { omahaUrl: this.updateServer.omahaUrl, publicKeyPath, controlUrl: this.control.url, ports },
      network,
    );
    const kvEndpoints = configs[0]?.kvEndpoints ?? [];
    const basePayload = usrPayload(o.baseVersion ?? '1.0.0', keys.privateKey);
    for (const config of configs) this.machineList.push(await Machine.create(config, basePayload));
    await Promise.all(this.machineList.map((m) => m.boot()));
    await Promise.all(this.machineList.map((m) => this.waitServing(m)));
    this.clusterInfo = {
      dir,
      pid: process.pid,
      control: this.control.url,
      kvEndpoints,
      updateServer: {
        omahaUrl: this.updateServer.omahaUrl,
        admin: this.updateServer.adminAddress,
        appId: this.updateServer.admin.appId,
        group: UPDATE_GROUP,
        channel: UPDATE_CHANNEL,
        publicKey: publicKeyPath,
      },
      machines: this.machineList.map((m) => ({
        name: m.name,
        machineId: m.config.machineId,
        dir: m.config.dir,
        disk: m.diskPath,
        endpoints: m.endpoints,
      })),
      ...(network === undefined ? {} : { network }),
    };
    writeClusterInfo(this.clusterInfo);
    this.log({ event: 'ready' });
  }

  /** Resolves once the machine's kv member sees a leader and its update-engine answers. */
  async waitServing(machine: Machine, timeoutMs = this.readyTimeoutMs): Promise<void> {
    const kv = new KvClient({ endpoints: [machine.endpoints.kv], dialTimeoutMs: 500, callTimeoutMs: 1_000 });
    const engine = new UpdateEngineRpc(machine.endpoints.updateEngine, 1_000);
    const boot = machine.lastBoot;
    // another reboot (e.g. asked for by the machine itself) may start meanwhile: then this boot
    // is over, and whoever asked for the new one waits for it
    const superseded = () => machine.lastBoot !== boot;
    try {
      await waitReady(
        `${machine.name} to serve`,
        async () => {
          if (superseded()) return true;
          const status = await kv.maintenance.status({ endpoint: machine.endpoints.kv, timeoutMs: 1_000 });
          if (status.leader === 0n) return false;
          await engine.bootInfo();
          return true;
        },
        {
          timeoutMs,
          fatal: () => {
            if (superseded() || machine.state !== 'up') return undefined;
            for (const name of ['kvd', 'update-engine'] as const) {
              const proc = machine.process(name);
              if (proc?.state === 'exited') {
                return `${name} exited (${JSON.stringify(proc.lastExit)}); the end of ${machine.logPath(name)}:\n${proc.logTail()}`;
              }
            }
            return undefined;
          },
        },
      );
    } finally {
      kv.close();
      engine.close();
    }
  }

  async status(): Promise<ClusterStatus> {
    if (this.updateServer === undefined) throw new Error('the cluster has not started');
    const status = await gatherStatus(this.machineList, this.info.kvEndpoints, this.updateServer);
    return this.network === undefined ? status : { ...status, partition: this.partitionGroups };
  }

  /** netns mode: the machines of different groups cannot reach each other (replaces any partition). */
  async partition(groups: PartitionGroups): Promise<{ partition: string[][] }> {
    const network = this.requireNetwork();
    const complete = completePartition(
      groups,
      this.machineList.map((m) => m.name),
    );
    await applyPartition(network, complete);
    this.partitionGroups = complete;
    this.log({ event: 'partition', groups: complete });
    return { partition: complete };
  }

  /** netns mode: every machine reaches every other again. */
  async heal(): Promise<{ partition: null }> {
    await healPartition(this.requireNetwork());
    this.partitionGroups = null;
    this.log({ event: 'heal' });
    return { partition: null };
  }

  private requireNetwork(): NetworkPlan {
    if (this.network === undefined) {
      throw new Error('partitions need netns mode: start the cluster with `cluster up --netns` (or netns: true)');
    }
    return this.network;
  }

  /** Signs `version` into a payload, uploads it and points the channel at it. */
  async publish(version: string, options: { bad: boolean } = { bad: false }): Promise<PublishResult> {
    if (this.updateServer === undefined || this.privateKey === undefined)
      throw new Error('the cluster has not started');
    if (!/^[0-9A-Za-z._+-]{1,64}$/.test(version))
      throw new Error(`version (${JSON.stringify(version)}) must be 1-64 of [0-9A-Za-z._+-]`);
    if (options.bad)
      writeFileSync(join(this.dir, 'bad-versions', version), 'the harness health check fails on this version\n');
    const payload = usrPayload(version, this.privateKey);
    const pkg = await this.updateServer.admin.uploadPackage(version, payload);
    await this.updateServer.admin.setChannel(UPDATE_CHANNEL, version);
    this.log({ event: 'published', version, bad: options.bad });
    return { version, bad: options.bad, sizeBytes: payload.length, sha256: pkg.sha256 };
  }

  async machineAction(
    name: string,
    action: MachineAction,
    component: ComponentName | undefined,
    wait: boolean,
  ): Promise<{ machine: string; action: MachineAction; done: boolean }> {
    const machine = this.machine(name);
    this.log({ event: 'action', machine: name, action, component, wait });
    const run = async () => {
      if (action === 'reboot') {
        if ((await machine.reboot()) !== undefined) await this.waitServing(machine);
      } else if (action === 'restart') {
        await machine.restart(component);
        await this.waitServing(machine);
      } else if (action === 'kill') await machine.kill(component);
      else if (action === 'pause') await machine.pause(component);
      else await machine.resume(component);
    };
    if (!wait) {
      run().catch((err: Error) => this.log({ event: 'action failed', machine: name, action, error: err.message }));
      return { machine: name, action, done: false };
    }
    await run();
    return { machine: name, action, done: true };
  }

  /** Stops every machine and the update-server (the control endpoint stays until afterDown). */
  async down(): Promise<{ stoppedPids: number[] }> {
    const pids = this.pids();
    await this.stopProcesses();
    return { stoppedPids: pids };
  }

  afterDown(): void {
    void this.stop().then(() => this.options.onDown?.());
  }

  /** Every running process of the cluster. */
  pids(): number[] {
    const pids: number[] = [];
    for (const m of this.machineList) {
      for (const c of m.components()) {
        const pid = m.process(c)?.pid;
        if (pid !== undefined) pids.push(pid);
      }
    }
    const pid = this.updateServer?.process.pid;
    if (pid !== undefined) pids.push(pid);
    return pids;
  }

  /** Stops everything: machines, update-server, control endpoint. */
  async stop(): Promise<void> {
    await this.stopProcesses();
    await this.control?.close();
    this.control = undefined;
    // when this fails, the reaper (not released) tries again once the harness exits
    if (this.network !== undefined) await destroyNetwork(this.network);
    process.off('exit', this.exitHook);
    this.reaper?.release();
  }

  private async stopProcesses(): Promise<void> {
    if (!this.stopped) this.log({ event: 'stopping' });
    this.stopped = true;
    await Promise.all(this.machineList.map((m) => m.shutdown()));
    this.updateServer?.admin.close();
    await this.updateServer?.process.stop(this.options.stopGraceMs ?? 3_000);
  }

  /** Synchronous: for process exit hooks. */
  killNow(): void {
    for (const m of this.machineList) m.killNow();
    this.updateServer?.process.killNow();
  }

  private log(entry: Record<string, unknown>): void {
    appendFileSync(join(this.dir, 'cluster.log'), `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
  }
}
