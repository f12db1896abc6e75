// cluster.json: what a running cluster offers (endpoints, machines, the control endpoint), written
// once every machine serves. The CLI's other commands start from it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MachineEndpoints } from './machine-config.js';
import type { NetworkPlan } from './netns.js';

export interface MachineInfo {
  readonly name: string;
  readonly machineId: string;
  readonly dir: string;
  readonly disk: string;
  readonly endpoints: MachineEndpoints;
}

export interface ClusterInfo {
  readonly dir: string;
  /** The process running the cluster (`cluster up`, or the test process for a library cluster). */
  readonly pid: number;
  /** The harness's control endpoint (HTTP on 127.0.0.1). */
  readonly control: string;
  readonly kvEndpoints: readonly string[];
  readonly updateServer: {
    readonly omahaUrl: string;
    readonly admin: string;
    readonly appId: string;
    readonly group: string;
    readonly channel: string;
    readonly publicKey: string;
  };
  readonly machines: readonly MachineInfo[];
  /** netns mode: the subnet, the host's address and veth, and each machine's namespace and address. */
  readonly network?: NetworkPlan;
}

export const CLUSTER_JSON = 'cluster.json';

export function writeClusterInfo(info: ClusterInfo): void {
  writeFileSync(join(info.dir, CLUSTER_JSON), `${JSON.stringify(info, null, 2)}\n`);
}

export function readClusterInfo(dir: string): ClusterInfo {
  const path = join(dir, CLUSTER_JSON);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`no cluster at ${dir} (${path} is missing): start one with \`cluster up --dir ${dir}\``);
  }
  return JSON.parse(text) as ClusterInfo;
}
