/**
 * A real dockerd and a tiny image for tests. dockerd is started when its socket does not
 * answer; with no registry reachable, the image is `docker import`ed from a rootfs made of
 * busybox-static and relative symlinks for its applets. Missing tools fail loudly.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { requireTool, waitUntil } from '@coreos-ts/grpc-kit/testing';
import Docker from 'dockerode';

export const DOCKER_SOCKET = '/var/run/docker.sock';
export const BUSYBOX_IMAGE = 'coreos-ts/busybox:test';
const DOCKERD_LOG = join(tmpdir(), 'coreos-ts-dockerd.log');

async function answers(docker: Docker): Promise<boolean> {
  try {
    await docker.ping();
    return true;
  } catch {
    return false;
  }
}

/** A dockerode client on a dockerd that answers; starts dockerd (and waits up to `timeoutMs`) if needed. */
export async function ensureDockerd(options: { timeoutMs?: number } = {}): Promise<Docker> {
  const docker = new Docker({ socketPath: DOCKER_SOCKET });
  if (await answers(docker)) return docker;
  const dockerd = requireTool('dockerd', 'apt-get install -y docker.io');
  const log = openSync(DOCKERD_LOG, 'a');
  const child = spawn(
    dockerd,
    [
      '--iptables=false',
      '--ip6tables=false',
      '--bridge=none',
      '--storage-driver=vfs',
      `--host=unix://${DOCKER_SOCKET}`,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  try {
    await waitUntil('dockerd to answer on its socket', async () => answers(docker), {
      timeoutMs: options.timeoutMs ?? 60_000,
      intervalMs: 200,
    });
  } catch (err) {
    const tail = readFileSync(DOCKERD_LOG, 'utf8').split('\n').slice(-15).join('\n');
    throw new Error(`dockerd could not be started (${(err as Error).message}); its log (${DOCKERD_LOG}):\n${tail}`);
  }
  return docker;
}

/** Makes sure `tag` exists: a busybox-static rootfs, `docker import`ed. */
export async function ensureBusyboxImage(docker: Docker, tag = BUSYBOX_IMAGE): Promise<string> {
  try {
    await docker.getImage(tag).inspect();
    return tag;
  } catch {
    // not there yet: build it
  }
  const busybox = requireTool('busybox', 'apt-get install -y busybox-static');
  const dockerCli = requireTool('docker', 'apt-get install -y docker.io');
  const work = mkdtempSync(join(tmpdir(), 'busybox-rootfs-'));
  try {
    const root = join(work, 'rootfs');
    for (const dir of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'tmp', 'etc', 'proc', 'sys', 'dev', 'www']) {
      mkdirSync(join(root, dir), { recursive: true });
    }
    copyFileSync(busybox, join(root, 'bin/busybox'));
    execFileSync('chmod', ['0755', join(root, 'bin/busybox')]);
    const applets = execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const applet of applets) {
      if (applet === 'bin/busybox') continue;
      const at = join(root, applet);
      mkdirSync(dirname(at), { recursive: true });
      try {
        symlinkSync(relative(dirname(at), join(root, 'bin/busybox')), at);
      } catch {
        // duplicate applet path
      }
    }
    const tar = join(work, 'rootfs.tar');
    execFileSync('tar', ['-C', root, '-cf', tar, '.']);
    execFileSync(dockerCli, ['import', tar, tag], { stdio: 'pipe' });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return tag;
}
