// Where the component binaries are: each package's published `bin` entry (its built JS in dist/),
// found through this package's own dependency links, never through another package's src/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The binaries a machine (or the cluster) runs, with the package that publishes each. */
export const BINARIES = {
  kvd: '@coreos-ts/kv',
  'update-engine': '@coreos-ts/update-engine',
  'update-server': '@coreos-ts/update-server',
  fleetd: '@coreos-ts/fleet',
  locksmithd: '@coreos-ts/locksmith',
} as const;

export type BinaryName = keyof typeof BINARIES;

/** e2e/ (this file is e2e/src/binaries.ts or e2e/dist/binaries.js). */
export const E2E_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The harness's own CLI, built (`npx tsc -b e2e`). */
export const CLUSTER_CLI = join(E2E_DIR, 'dist', 'bin', 'cluster.js');

/** Path of a binary's JS entry point (whether or not it has been built). */
export function binaryPath(name: BinaryName): string {
  const packageDir = join(E2E_DIR, 'node_modules', ...BINARIES[name].split('/'));
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    bin?: Record<string, string>;
  };
  const entry = manifest.bin?.[name];
  if (entry === undefined) throw new Error(`${BINARIES[name]} publishes no binary named ${name}`);
  return join(packageDir, entry);
}

/** True when the binary has been built (fleetd and locksmithd are optional components). */
export function binaryBuilt(name: BinaryName): boolean {
  return existsSync(binaryPath(name));
}

/** The path of a binary that must exist, or an error saying how to build it. */
export function requireBinary(name: BinaryName): string {
  const path = binaryPath(name);
  if (!existsSync(path)) throw new Error(`${name} is not built (${path} is missing): run \`npx tsc -b\` at the root`);
  return path;
}
