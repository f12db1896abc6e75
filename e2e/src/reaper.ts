// A cluster's reaper: a tiny detached process that outlives the harness. It holds the read end of
// a pipe from the harness; when the pipe closes without a goodbye (the harness was SIGKILLed, or
// a test runner killed its worker), it SIGKILLs every process recorded in the cluster's pid files
// and, for a throw-away cluster, removes its directory. So a run never leaves processes behind.
import { spawn } from 'node:child_process';
import type { Socket } from 'node:net';

// Plain JS for `node -e`: argv = [dir, removeDir ('1'|'0')].
const REAPER_SOURCE = `
const fs = require('node:fs');
const path = require('node:path');
const [dir, removeDir] = process.argv.slice(1);
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
  if (removeDir === '1') fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
});
`;

export interface Reaper {
  /** The harness stopped everything itself: the reaper exits without acting. */
  release(): void;
}

export function startReaper(dir: string, removeDir: boolean): Reaper {
  const child = spawn(process.execPath, ['-e', REAPER_SOURCE, dir, removeDir ? '1' : '0'], {
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
