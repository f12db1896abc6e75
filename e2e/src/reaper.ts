// A cluster's reaper: a tiny detached process that outlives the harness. It holds the read end of
// a pipe from the harness; when the pipe closes without a goodbye (the harness was SIGKILLed, or
// a test runner killed its worker), it SIGKILLs every process recorded in the cluster's pid files
// and the units the machines' fleetds ran (recorded processes, labelled containers),
// removes a netns cluster's network (the host's veth and the namespaces, with their bridge and
// rules) and, for a throw-away cluster, its directory. So a run never leaves anything behind.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { MACHINE_LABEL } from '@coreos-ts/fleet';
import { DOCKER_SOCKET } from '@coreos-ts/fleet/testing';

// Plain JS for `node -e`: argv = [dir, removeDir ('1'|'0'), network (JSON: { links, namespaces })].
const REAPER_SOURCE = `
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const [dir, removeDir, networkJson] = process.argv.slice(1);
let input = '';
process.stdin.on('data', (d) => { input += d; });
process.stdin.on('close', () => {
  if (input.includes('bye')) process.exit(0);
  const files = [path.join(dir, 'update-server', 'update-server.pid')];
  try {
    for (const m of fs.readdirSync(path.join(dir, 'machines'))) {
      const run = path.join(dir, 'machines', m, 'run');
      try { for (const f of fs.readdirSync(run)) if (f.endsWith('.pid')) files.push(path.join(run, f)); } catch {}
    }
  } catch {}
  for (const f of files) {
    try {
      const pid = Number(fs.readFileSync(f, 'utf8').trim());
      if (fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').includes(dir)) process.kill(pid, 'SIGKILL');
    } catch {}
  }
  // what the machines' fleetds ran: the process group of each recorded unit (if /proc still shows
  // the very process: same start time), and the containers labelled with a machine's id
  let machines = [];
  try { machines = fs.readdirSync(path.join(dir, 'machines')); } catch {}
  for (const m of machines) {
    const units = path.join(dir, 'machines', m, 'var', 'fleet', 'process', 'units');
    let records = [];
    try { records = fs.readdirSync(units).filter((f) => f.endsWith('.json')); } catch {}
    for (const f of records) {
      try {
        const r = JSON.parse(fs.readFileSync(path.join(units, f), 'utf8'));
        const stat = fs.readFileSync('/proc/' + r.pid + '/stat', 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        if (fields[19] === r.startTime) process.kill(-Number(fields[2]), 'SIGKILL');
      } catch {}
    }
    if (!fs.existsSync(${JSON.stringify(DOCKER_SOCKET)})) continue;
    try {
      const id = fs.readFileSync(path.join(dir, 'machines', m, 'etc', 'machine-id'), 'utf8').trim();
      const label = ${JSON.stringify(MACHINE_LABEL)} + '=' + id;
      const ps = spawnSync('docker', ['ps', '-aq', '--filter', 'label=' + label], { encoding: 'utf8', timeout: 10000 });
      const ids = (ps.stdout || '').trim().split(/\\s+/).filter(Boolean);
      if (ids.length > 0) spawnSync('docker', ['rm', '-f', ...ids], { stdio: 'ignore', timeout: 30000 });
    } catch {}
  }
  const network = JSON.parse(networkJson);
  for (const link of network.links) spawnSync('ip', ['link', 'del', link], { stdio: 'ignore', timeout: 10000 });
  for (const ns of network.namespaces) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore', timeout: 10000 });
  if (removeDir === '1') fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
`;

export interface Reaper {
  /** The harness stopped everything itself: the reaper exits without acting. */
  release(): void;
}

/** What a netns cluster's reaper removes: links in the host namespace, then namespaces. */
export interface ReapedNetwork {
  readonly links: readonly string[];
  readonly namespaces: readonly string[];
}

export function startReaper(
  dir: string,
  removeDir: boolean,
  network: ReapedNetwork = { links: [], namespaces: [] },
): Reaper {
  const args = ['-e', REAPER_SOURCE, dir, removeDir ? '1' : '0', JSON.stringify(network)];
  const child = spawn(process.execPath, args, {
    stdio: ['pipe', 'ignore', 'ignore'],
    detached: true,
  });
  child.unref();
  const stdin = child.stdin as Socket;
  stdin.unref(); // the pipe must not keep the harness alive
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      stdin.end('bye\n');
    },
  };
}
