import { spawn } from 'node:child_process';

/**
 * Runs the reboot command (`systemctl reboot` by default) through /bin/sh; resolves when it exits
 * 0 and rejects with its exit status otherwise. Its output goes to locksmithd's stderr.
 */
export function runRebootCommand(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', (err) => reject(new Error(`reboot command failed to start: ${err.message}`)));
    child.once('exit', (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`reboot command exited with ${signal ?? `status ${code}`}`));
    });
  });
}
