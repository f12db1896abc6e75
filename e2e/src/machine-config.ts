// A machine's fixed identity and wiring: its directory layout, ports and the flags of its
// components. Fixed when the cluster is made; every boot starts the components with these.
import { join } from 'node:path';
import { type BinaryName, binaryBuilt, requireBinary } from './binaries.js';

export interface MachinePorts {
  readonly kvClient: number;
  readonly kvPeer: number;
  readonly updateEngine: number;
  readonly fleet: number;
  readonly locksmith: number;
  readonly fleetLock: number;
}

export interface MachineConfig {
  readonly name: string;
  readonly machineId: string;
  readonly dir: string;
  readonly ports: MachinePorts;
  /** The address its components listen on: 127.0.0.1, or its own in netns mode. */
  readonly host: string;
  /** netns mode: the network namespace its processes run in (`ip netns exec`). */
  readonly netns?: string;
  /** `name=peerUrl,...` of every machine. */
  readonly kvInitialCluster: string;
  readonly kvClusterToken: string;
  /** The store's binary: 'kvd' (this repo's) or any binary taking etcd's flags ('etcd', a path). */
  readonly kvBinary: string;
  readonly kvHeartbeatMs: number;
  readonly kvElectionMs: number;
  /** kv client URLs of every machine (for locksmithd and fleetd). */
  readonly kvEndpoints: readonly string[];
  readonly omahaUrl: string;
  readonly updateGroup: string;
  readonly publicKeyPath: string;
  readonly checkInterval: string;
  readonly initialCheckDelay: string;
  readonly healthWindow: string;
  /** A version with a file of its name here fails the harness's health check. */
  readonly badVersionsDir: string;
  /** The harness's control endpoint (the reboot script calls it). */
  readonly controlUrl: string;
  /** What runs on this machine, in start order (fixed when the cluster is made). */
  readonly components: readonly ComponentName[];
  readonly extraArgs: Partial<Readonly<Record<ComponentName, readonly string[]>>>;
  /** fleetd's --agent-ttl (its machine lease). */
  readonly fleetAgentTtl: string;
  /** fleetd's --docker-socket: dockerd's API socket for `.container` units ('' = none). */
  readonly dockerSocket: string;
  readonly stopGraceMs: number;
  readonly logLevel: string;
}

export type ComponentName = 'kvd' | 'update-engine' | 'locksmithd' | 'fleetd';

export const COMPONENT_NAMES: readonly ComponentName[] = ['kvd', 'update-engine', 'locksmithd', 'fleetd'];

export function isComponentName(text: string): text is ComponentName {
  return (COMPONENT_NAMES as readonly string[]).includes(text);
}

export interface MachineEndpoints {
  /** kv client URL (etcd v3 API). */
  readonly kv: string;
  readonly kvPeer: string;
  /** update-engine gRPC host:port. */
  readonly updateEngine: string;
  readonly fleet?: string;
  readonly locksmith?: string;
  readonly fleetLock?: string;
}

export function machinePaths(dir: string) {
  return {
    machineIdFile: join(dir, 'etc', 'machine-id'),
    updateConf: join(dir, 'etc', 'update.conf'),
    disk: join(dir, 'disk.img'),
    kvDataDir: join(dir, 'var', 'kv'),
    updateEngineStateDir: join(dir, 'var', 'update-engine'),
    fleetDir: join(dir, 'var', 'fleet'),
    locksmithDir: join(dir, 'var', 'locksmith'),
    logsDir: join(dir, 'logs'),
    runDir: join(dir, 'run'),
    rebootScript: join(dir, 'bin', 'reboot.mjs'),
    bootLog: join(dir, 'logs', 'boot.log'),
  };
}

/** The components a machine runs, in start order: optional ones only when enabled and built. */
export function chooseComponents(optional: { fleetd: boolean; locksmithd: boolean }): ComponentName[] {
  const names: ComponentName[] = ['kvd', 'update-engine'];
  if (optional.locksmithd && binaryBuilt('locksmithd')) names.push('locksmithd');
  if (optional.fleetd && binaryBuilt('fleetd')) names.push('fleetd');
  return names;
}

export function endpointsOf(config: MachineConfig): MachineEndpoints {
  const host = config.host;
  const components = config.components;
  return {
    kv: `http://${host}:${config.ports.kvClient}`,
    kvPeer: `http://${host}:${config.ports.kvPeer}`,
    updateEngine: `${host}:${config.ports.updateEngine}`,
    ...(components.includes('fleetd') ? { fleet: `${host}:${config.ports.fleet}` } : {}),
    ...(components.includes('locksmithd')
      ? { locksmith: `${host}:${config.ports.locksmith}`, fleetLock: `http://${host}:${config.ports.fleetLock}` }
      : {}),
  };
}

export interface BootContext {
  readonly bootId: string;
  readonly slot: 'A' | 'B';
  readonly version: string;
}

/** The binary and flags of one component for one boot (the harness's, then `extraArgs`). */
export function componentCommand(
  config: MachineConfig,
  component: ComponentName,
  boot: BootContext,
): { script: string; args: string[] } {
  const { script, args } = baseCommand(config, component, boot);
  return { script, args: [...args, ...(config.extraArgs[component] ?? [])] };
}

function baseCommand(
  config: MachineConfig,
  component: ComponentName,
  boot: BootContext,
): { script: string; args: string[] } {
  const p = machinePaths(config.dir);
  const e = endpointsOf(config);
  const binary = (name: BinaryName) => requireBinary(name);
  const rebootCommand = `'${process.execPath}' '${p.rebootScript}'`;
  switch (component) {
    case 'kvd':
      return {
        script: config.kvBinary === 'kvd' ? binary('kvd') : config.kvBinary,
        args: [
          `--name=${config.name}`,
          `--data-dir=${p.kvDataDir}`,
          `--listen-client-urls=${e.kv}`,
          `--advertise-client-urls=${e.kv}`,
          `--listen-peer-urls=${e.kvPeer}`,
          `--initial-advertise-peer-urls=${e.kvPeer}`,
          `--initial-cluster=${config.kvInitialCluster}`,
          '--initial-cluster-state=new',
          `--initial-cluster-token=${config.kvClusterToken}`,
          `--heartbeat-interval=${config.kvHeartbeatMs}`,
          `--election-timeout=${config.kvElectionMs}`,
          `--log-level=${config.logLevel === 'silent' ? 'error' : config.logLevel}`,
        ],
      };
    case 'update-engine':
      return {
        script: binary('update-engine'),
        args: [
          `--server=${config.omahaUrl}`,
          `--group=${config.updateGroup}`,
          `--machine-id=${config.machineId}`,
          `--boot-id=${boot.bootId}`,
          `--disk=${p.disk}`,
          `--booted-slot=${boot.slot}`,
          `--public-key=${config.publicKeyPath}`,
          `--listen=${e.updateEngine}`,
          `--state-dir=${p.updateEngineStateDir}`,
          `--health-command=test ! -e '${join(config.badVersionsDir, boot.version)}'`,
          `--health-window=${config.healthWindow}`,
          `--reboot-command=${rebootCommand}`,
          `--check-interval=${config.checkInterval}`,
          `--initial-check-delay=${config.initialCheckDelay}`,
          `--update-conf=${p.updateConf}`,
          `--log-level=${config.logLevel}`,
        ],
      };
    case 'locksmithd': {
      const fleet = config.components.includes('fleetd');
      return {
        script: binary('locksmithd'),
        args: [
          `--endpoint=${config.kvEndpoints.join(',')}`,
          `--machine-id=${config.machineId}`,
          '--strategy=etcd-lock',
          `--update-engine=${e.updateEngine}`,
          ...(fleet ? [`--fleet=${config.host}:${config.ports.fleet}`, '--drain'] : []),
          `--reboot-command=${rebootCommand}`,
          // a refused lock is retried after 1 s, 2 s, then every 4 s (locksmith: 5 s doubling to 5 min)
          '--lock-backoff-initial=1s',
          '--lock-backoff-max=4s',
          `--listen=${config.host}:${config.ports.locksmith}`,
          `--fleetlock-listen=${config.host}:${config.ports.fleetLock}`,
          `--log-level=${config.logLevel}`,
        ],
      };
    }
    case 'fleetd':
      return {
        script: binary('fleetd'),
        args: [
          `--etcd-servers=${config.kvEndpoints.join(',')}`,
          `--machine-id=${config.machineId}`,
          `--public-ip=${config.host}`,
          `--metadata=name=${config.name}`,
          `--agent-ttl=${config.fleetAgentTtl}`,
          `--listen=${config.host}:${config.ports.fleet}`,
          `--state-dir=${p.fleetDir}`,
          `--docker-socket=${config.dockerSocket}`,
          `--log-level=${config.logLevel}`,
        ],
      };
  }
}
