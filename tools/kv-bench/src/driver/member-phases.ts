import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ClusterMember, RunningCluster } from '@coreos-ts/kv-client/testing';
import type { LoadSpec } from '../load/load-spec.js';
import { runLoad } from '../load/run-load.js';
import { endpointsLeaderFirst, leaderIndex, startBackendCluster } from './clusters.js';
import { type ProfileSummary, summariseCpuProfile } from './cpu-profile.js';
import type { MemberFigures } from './driver-report.js';
import { dirBytes, rssBytes } from './member-stats.js';

const STOP_TIMEOUT_MS = 15_000;

export function memberFigures(cluster: RunningCluster): MemberFigures {
  return {
    rssBytes: cluster.members.map((m) => rssBytes(m.pid)),
    dataDirBytes: cluster.members.map((m) => dirBytes(m.dataDir)),
  };
}

/** kill -9 of a follower, then the time until it serves again (its status names a leader). */
export async function restartToServingMs(cluster: RunningCluster): Promise<number> {
  const follower = cluster.members[((await leaderIndex(cluster)) + 1) % cluster.members.length]!;
  await follower.kill('SIGKILL');
  const start = performance.now();
  await follower.restart();
  return performance.now() - start;
}

/** Stops a member gracefully (so node writes its profile), with SIGKILL after a bound. */
async function stopGracefully(member: ClusterMember): Promise<void> {
  const stopped = member.kill('SIGTERM');
  const outcome = await Promise.race([stopped.then(() => 'stopped'), sleep(STOP_TIMEOUT_MS).then(() => 'timeout')]);
  if (outcome === 'timeout') await member.kill('SIGKILL');
}

/**
 * The kvd script behind a launcher (`exec node .../dist/bin/kvd.js`): node 20 refuses --cpu-prof
 * in NODE_OPTIONS, so the profiled cluster runs node with the flag on this script directly.
 */
export function kvdScriptPath(launcher: string): string {
  const script = resolve(dirname(realpathSync(launcher)), '..', 'dist', 'bin', 'kvd.js');
  if (!existsSync(script)) throw new Error(`${script} is missing: build kvd with npx tsc -b packages/kv`);
  return script;
}

/**
 * Starts a fresh kvd cluster under `node --cpu-prof` (a launcher script written to `root`), runs
 * `spec` with the leader's endpoint first, stops the members gracefully (node writes the profile
 * at exit) and summarises the leader's profile over the time the load ran.
 */
export async function profileKvdLeader(options: {
  kvdLauncher: string;
  root: string;
  profileDir: string;
  spec: LoadSpec;
  topCount: number;
}): Promise<{ file: string; summary: ProfileSummary }> {
  const profileDir = resolve(options.profileDir);
  mkdirSync(profileDir, { recursive: true });
  const launcher = join(options.root, 'kvd-cpu-prof');
  const script = kvdScriptPath(options.kvdLauncher);
  writeFileSync(launcher, `#!/bin/sh\nexec node --cpu-prof --cpu-prof-dir='${profileDir}' '${script}' "$@"\n`, {
    mode: 0o755,
  });
  const cluster = await startBackendCluster({ name: 'kvd', binary: launcher }, join(options.root, 'profiled'));
  try {
    const leaderPid = cluster.members[await leaderIndex(cluster)]!.pid;
    const endpoints = await endpointsLeaderFirst(cluster);
    const startUs = Number(process.hrtime.bigint() / 1000n);
    await runLoad({ ...options.spec, endpoints });
    const window = { startUs, endUs: Number(process.hrtime.bigint() / 1000n) };
    for (const member of cluster.members) await stopGracefully(member);
    const name = readdirSync(profileDir).find((f) => f.endsWith('.cpuprofile') && f.includes(`.${leaderPid}.`));
    if (!name) throw new Error(`no profile of the kvd leader (pid ${leaderPid}) in ${profileDir}`);
    const file = join(profileDir, name);
    return { file, summary: summariseCpuProfile(JSON.parse(readFileSync(file, 'utf8')), options.topCount, window) };
  } finally {
    await cluster.stop();
  }
}
