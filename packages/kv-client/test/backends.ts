import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { type ClusterBackend, etcdBackend } from '../src/testing/index.js';

const kvdBuilt = resolve(import.meta.dirname, '../../kv/dist/bin/kvd.js');
if (!existsSync(kvdBuilt)) {
  throw new Error(`kvd is not built (${kvdBuilt} is missing): run \`npx tsc -b\` first`);
}

/** kvd from this checkout, with etcd's flags. */
export const kvdBackend: ClusterBackend = { name: 'kvd', binary: resolve(import.meta.dirname, '../../kv/bin/kvd') };

/** Every server the generic suites run against: the same tests, both green. */
export const backends: ClusterBackend[] = [etcdBackend, kvdBackend];
