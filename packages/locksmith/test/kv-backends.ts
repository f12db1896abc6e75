import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ClusterBackend } from '@coreos-ts/kv-client/testing';

const KVD = resolve(import.meta.dirname, '../../kv/bin/kvd');
const KVD_JS = resolve(import.meta.dirname, '../../kv/dist/bin/kvd.js');

/** The servers store-agnostic suites run against: the reference etcd 3.4, and our kvd. */
export const kvBackends: ClusterBackend[] = [
  { name: 'etcd', binary: 'etcd' },
  { name: 'kvd', binary: KVD },
];

/** Fails clearly (never skips) when kvd has not been built. */
export function requireBackend(backend: ClusterBackend): void {
  if (backend.name === 'kvd' && !existsSync(KVD_JS)) {
    throw new Error(`kvd is not built (${KVD_JS} is missing): run \`npx tsc -b packages/kv\` at the repository root`);
  }
}
