#!/usr/bin/env node
// cluster: runs a whole coreos-ts cluster on this host and drives it (status, publish, faults,
// reboots, logs, down). `up` stays in the foreground; the other commands talk to it through the
// control endpoint named in DIR/cluster.json.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { envOption, parsePositiveInt, runCommand } from '@coreos-ts/grpc-kit';
import { Command, Option } from 'commander';
import type { Cluster } from '../cluster.js';
import { readClusterInfo } from '../cluster-info.js';
import type { ClusterStatus } from '../cluster-status.js';
import { controlRequest, MACHINE_ACTIONS, type MachineAction } from '../control-server.js';
import { COMPONENT_NAMES, isComponentName } from '../machine-config.js';
import { parsePartition } from '../partition.js';
import { commandLineMentions, isAlive, killRecorded } from '../pid-files.js';
import { formatStatus } from '../status-table.js';
import { waitReady } from '../wait-ready.js';
import { summaryText } from './summary.js';

const dirOption = () => envOption('CLUSTER', '--dir <dir>', "the cluster's directory");

function clusterDir(dir: string | undefined): string {
  if (dir === undefined) throw new Error('no cluster directory: pass --dir DIR or set CLUSTER_DIR');
  return resolve(dir);
}

const program = new Command('cluster').description('A whole coreos-ts cluster on this host, for trying and testing it');

program
  .command('up')
  .description('start N machines and an update-server; stays in the foreground until SIGINT/SIGTERM or `cluster down`')
  .addOption(new Option('--nodes <n>', 'machines').argParser(parsePositiveInt).default(3))
  .addOption(envOption('CLUSTER', '--dir <dir>', "the cluster's directory (default: a fresh temp dir)"))
  .option('--base-version <version>', 'the version every machine boots first', '1.0.0')
  .option('--check-interval <duration>', "update-engine's --check-interval", '2s')
  .option('--health-window <duration>', "update-engine's --health-window after a new slot boots", '0s')
  .option('--no-fleetd', 'do not start fleetd even when it is built')
  .option('--no-locksmithd', 'do not start locksmithd even when it is built')
  .option('--docker', "fleetd runs .container units through the host's dockerd (/var/run/docker.sock)")
  .option('--watch [seconds]', 'redraw the endpoints and the status table every few seconds (default 3)')
  .option('--kv-binary <binary>', "the store: kvd, or a binary taking etcd's flags (etcd)", 'kvd')
  .option('--log-level <level>', "the components' log level", 'info')
  .option('--netns', 'each machine in its own network namespace with its own address (root; allows partitions)')
  .action(async (o: UpOptions) => {
    const dir = o.dir === undefined ? mkdtempSync(join(tmpdir(), 'coreos-ts-cluster-')) : resolve(o.dir);
    if (existsSync(join(dir, 'cluster.json'))) {
      const info = readClusterInfo(dir);
      if (isAlive(info.pid) && commandLineMentions(info.pid, dir))
        throw new Error(`a cluster already runs at ${dir} (pid ${info.pid})`);
      throw new Error(`${dir} holds a stopped cluster: use a fresh directory`);
    }
    process.stdout.write(`cluster: starting ${o.nodes} machines in ${dir}\n`);
    let cluster: Cluster | undefined;
    let stopping = false;
    const stop = (code: number) => {
      if (stopping) {
        cluster?.killNow();
        process.exit(1);
      }
      stopping = true;
      void (cluster?.stop() ?? Promise.resolve()).finally(() => process.exit(code));
    };
    process.on('SIGINT', () => stop(0));
    process.on('SIGTERM', () => stop(0));
    // loaded here: the harness itself (gRPC, kv client, update-engine) is heavy for the other commands
    const { Cluster: ClusterClass } = await import('../cluster.js');
    cluster = await ClusterClass.start({
      nodes: o.nodes,
      dir,
      baseVersion: o.baseVersion,
      checkInterval: o.checkInterval,
      healthWindow: o.healthWindow,
      fleetd: o.fleetd,
      locksmithd: o.locksmithd,
      docker: o.docker === true,
      logLevel: o.logLevel,
      kvBinary: o.kvBinary,
      netns: o.netns === true,
      onDown: () => process.exit(0),
    });
    const summary = summaryText(cluster.info);
    process.stdout.write(summary);
    process.stdout.write(`cluster: ready (${o.nodes} machines, ${join(dir, 'cluster.json')})\n`);
    if (o.watch !== undefined) {
      const seconds = o.watch === true ? 3 : Number(o.watch);
      if (!(seconds > 0)) throw new Error(`--watch (${o.watch}) must be a positive number of seconds`);
      const c = cluster;
      const show = async () => {
        if (stopping) return;
        const text = formatStatus(await c.status());
        process.stdout.write(`\x1b[2J\x1b[H${summary}\n${new Date().toISOString()}\n${text}`);
        setTimeout(() => void show().catch(() => undefined), seconds * 1000);
      };
      await show();
    }
  });

interface UpOptions {
  nodes: number;
  dir?: string;
  baseVersion: string;
  checkInterval: string;
  healthWindow: string;
  fleetd: boolean;
  locksmithd: boolean;
  docker?: boolean;
  watch?: string | true;
  logLevel: string;
  kvBinary: string;
  netns?: boolean;
}

program
  .command('status')
  .description(
    'machines, booted slot and version, update-engine status, kv leader, reboot lock, update-server instances',
  )
  .addOption(dirOption())
  .option('--json', 'print the status as JSON')
  .action(async (o: { dir?: string; json?: boolean }) => {
    const info = readClusterInfo(clusterDir(o.dir));
    const status = (await controlRequest(info.control, 'GET', '/status')) as ClusterStatus;
    process.stdout.write(o.json ? `${JSON.stringify(status, null, 2)}\n` : formatStatus(status));
  });

program
  .command('publish')
  .description('sign VERSION into a payload, upload it and point the channel at it')
  .argument('<version>')
  .option('--bad', "make the harness's health check fail on this version (its machines roll back)")
  .addOption(dirOption())
  .action(async (version: string, o: { dir?: string; bad?: boolean }) => {
    const info = readClusterInfo(clusterDir(o.dir));
    const result = await controlRequest(info.control, 'POST', '/publish', { version, bad: o.bad === true });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });

const ACTION_HELP: Record<MachineAction, string> = {
  kill: 'SIGKILL a component, or every one (power loss: the machine stays off until reboot)',
  pause: 'SIGSTOP a component, or every one (a hung machine)',
  resume: 'SIGCONT what pause stopped',
  restart: 'restart a component, or every one, within the same boot',
  reboot: 'stop every component, boot again (gptprio picks the slot), start them with a new boot id',
};

for (const action of MACHINE_ACTIONS) {
  const cmd = program.command(action).description(ACTION_HELP[action]).argument('<machine>').addOption(dirOption());
  if (action !== 'reboot') cmd.argument('[component]', `one of ${COMPONENT_NAMES.join(', ')} (default: all)`);
  cmd.option('--no-wait', 'return at once instead of waiting for the machine to serve again');
  cmd.action(async (machine: string, ...rest: unknown[]) => {
    const component = action === 'reboot' ? undefined : (rest[0] as string | undefined);
    const o = rest[action === 'reboot' ? 0 : 1] as { dir?: string; wait: boolean };
    if (component !== undefined && !isComponentName(component)) {
      throw new Error(`unknown component ${component} (one of ${COMPONENT_NAMES.join(', ')})`);
    }
    const info = readClusterInfo(clusterDir(o.dir));
    const result = await controlRequest(
      info.control,
      'POST',
      `/machines/${machine}/${action}${o.wait ? '?wait=1' : ''}`,
      {
        ...(component === undefined ? {} : { component }),
      },
    );
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });
}

program
  .command('partition')
  .description('netns mode: machines in different groups cannot reach each other (one group: cut off from the rest)')
  .argument('<groups...>', 'e.g. m1,m2 / m3,m4,m5')
  .addOption(dirOption())
  .action(async (groups: string[], o: { dir?: string }) => {
    const info = readClusterInfo(clusterDir(o.dir));
    const result = await controlRequest(info.control, 'POST', '/partition', {
      groups: parsePartition(groups.join(' ')),
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  });

program
  .command('heal')
  .description('netns mode: end the partition')
  .addOption(dirOption())
  .action(async (o: { dir?: string }) => {
    const info = readClusterInfo(clusterDir(o.dir));
    process.stdout.write(`${JSON.stringify(await controlRequest(info.control, 'POST', '/heal'))}\n`);
  });

program
  .command('logs')
  .description("print a component's log (MACHINE may also be update-server or cluster)")
  .argument('<machine>')
  .argument('[component]', `one of ${COMPONENT_NAMES.join(', ')}, boot`)
  .option('--tail <lines>', 'only the last lines', parsePositiveInt)
  .addOption(dirOption())
  .action((machine: string, component: string | undefined, o: { dir?: string; tail?: number }) => {
    const dir = clusterDir(o.dir);
    let path: string;
    if (machine === 'update-server') path = join(dir, 'update-server', 'update-server.log');
    else if (machine === 'cluster') path = join(dir, 'cluster.log');
    else {
      const m = readClusterInfo(dir).machines.find((x) => x.name === machine);
      if (m === undefined) throw new Error(`no machine ${machine}`);
      if (component === undefined || !(isComponentName(component) || component === 'boot')) {
        throw new Error(`name a component: ${COMPONENT_NAMES.join(', ')}, boot`);
      }
      path = join(m.dir, 'logs', `${component}.log`);
    }
    if (!existsSync(path)) throw new Error(`no log at ${path}`);
    const text = readFileSync(path, 'utf8');
    process.stdout.write(
      o.tail === undefined
        ? text
        : `${text
            .split('\n')
            .slice(-o.tail - 1)
            .join('\n')}`,
    );
  });

program
  .command('down')
  .description('stop every process of the cluster (and the `cluster up` running it)')
  .addOption(dirOption())
  .action(async (o: { dir?: string }) => {
    const dir = clusterDir(o.dir);
    const info = readClusterInfo(dir);
    try {
      const { stoppedPids } = (await controlRequest(info.control, 'POST', '/down')) as { stoppedPids: number[] };
      // `cluster up` exits once it has answered; it is not our child, so its exit is polled
      await waitReady(`cluster up (pid ${info.pid}) to exit`, async () => !isAlive(info.pid), {
        timeoutMs: 10_000,
        intervalMs: 50,
      });
      process.stdout.write(`cluster: stopped ${stoppedPids.length} processes\n`);
    } catch (err) {
      // the harness is gone or stuck: act on the pids recorded in DIR
      process.stderr.write(`${(err as Error).message}\ncluster: killing the recorded processes instead\n`);
      const killed = killRecorded(dir);
      if (info.pid !== process.pid && isAlive(info.pid) && commandLineMentions(info.pid, dir))
        process.kill(info.pid, 'SIGKILL');
      process.stdout.write(`cluster: killed ${killed.length} processes\n`);
    }
  });

try {
  await runCommand(program);
} catch (err) {
  process.stderr.write(`Error: ${(err as Error).message}\n`);
  process.exit(1);
}
