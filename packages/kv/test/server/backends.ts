import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClusterBackend } from '@coreos-ts/kv-client/testing';
import { etcdBackend } from '@coreos-ts/kv-client/testing';

const kvdLauncher = resolve(import.meta.dirname, '../../bin/kvd');
const kvdBuilt = resolve(import.meta.dirname, '../../dist/bin/kvd.js');

/** kvd from this checkout; its tests need the build (`npx tsc -b`, which `npm test` runs first). */
export const kvdBackend: ClusterBackend = { name: 'kvd', binary: kvdLauncher };

export function requireKvdBuilt(): void {
  if (!existsSync(kvdBuilt)) throw new Error(`kvd is not built (${kvdBuilt} is missing): run \`npx tsc -b\` first`);
}

/** The suites run against both: etcd 3.4 checks the suite, and any difference is a kvd bug. */
export const backends: ClusterBackend[] = [etcdBackend, kvdBackend];
