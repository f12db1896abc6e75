// Test helpers: GPT disk images made by sgdisk, and `cgpt show` / `sgdisk --verify` checks.
import { execFileSync } from 'node:child_process';
import { closeSync, ftruncateSync, openSync } from 'node:fs';
import { USR_A_UUID, USR_B_UUID, USR_PARTITION_TYPE } from '../boot/gpt-boot-control.js';

export { USR_A_UUID, USR_B_UUID };

export interface TestDiskOptions {
  /** Size of each USR partition in MiB (default 8). */
  readonly usrMiB?: number;
}

/**
 * Creates a Flatcar-like disk image: 1 EFI-SYSTEM, 3 USR-A (priority 1, successful), 4 USR-B
 * (empty, priority 0), 9 ROOT.
 */
export function createTestDisk(path: string, options: TestDiskOptions = {}): void {
  const usr = options.usrMiB ?? 8;
  const fd = openSync(path, 'w');
  ftruncateSync(fd, (4 + 2 * usr + 2) * 1024 * 1024);
  closeSync(fd);
  execFileSync(
    'sgdisk',
    [
      '--clear',
      '-n',
      '1:2048:+1M',
      '-c',
      '1:EFI-SYSTEM',
      '-t',
      '1:ef00',
      '-n',
      `3:0:+${usr}M`,
      '-c',
      '3:USR-A',
      '-t',
      `3:${USR_PARTITION_TYPE}`,
      '-u',
      `3:${USR_A_UUID}`,
      '-n',
      `4:0:+${usr}M`,
      '-c',
      '4:USR-B',
      '-t',
      `4:${USR_PARTITION_TYPE}`,
      '-u',
      `4:${USR_B_UUID}`,
      '-n',
      '9:0:0',
      '-c',
      '9:ROOT',
      '-A',
      '3:set:48',
      '-A',
      '3:set:56',
      path,
    ],
    { stdio: 'pipe' },
  );
}

export interface CgptAttributes {
  readonly priority: number;
  readonly tries: number;
  readonly successful: number;
}

/** Partition N's gptprio fields as `cgpt show -i N -P / -T / -S` prints them. */
export function cgptShowAttributes(path: string, partition: number): CgptAttributes {
  const field = (flag: string) => {
    const out = execFileSync('cgpt', ['show', '-i', String(partition), flag, path], { encoding: 'utf8' }).trim();
    if (!/^\d+$/.test(out)) throw new Error(`cgpt show ${flag} printed ${JSON.stringify(out)}`);
    return Number(out);
  };
  return { priority: field('-P'), tries: field('-T'), successful: field('-S') };
}

/** Runs `sgdisk --verify`; returns its output, throwing when it reports problems. */
export function sgdiskVerify(path: string): string {
  const out = execFileSync('sgdisk', ['--verify', path], { encoding: 'utf8' });
  if (!/No problems found/.test(out)) throw new Error(`sgdisk --verify reports problems:\n${out}`);
  return out;
}
