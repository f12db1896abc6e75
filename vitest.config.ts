import { defineConfig } from 'vitest/config';

// Node 20 lacks Map.groupBy (Node 21+), which vitest 5's reporter calls when it prints failures.
if (typeof (Map as { groupBy?: unknown }).groupBy !== 'function') {
  Object.defineProperty(Map, 'groupBy', {
    value<K, T>(items: Iterable<T>, keyOf: (item: T, index: number) => K): Map<K, T[]> {
      const groups = new Map<K, T[]>();
      let index = 0;
      for (const item of items) {
        const key = keyOf(item, index++);
        const group = groups.get(key);
        if (group) group.push(item);
        else groups.set(key, [item]);
      }
      return groups;
    },
  });
}

const everything = ['packages/*/test/**/*.test.ts', 'e2e/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'];
/** Tests that measure the machine: run alone, after the others, one file at a time. */
const solo = ['packages/kv/test/server/check-perf.test.ts'];

// Tests run the TypeScript sources: the `@coreos-ts/source` export condition points each
// workspace package at its src/index.ts, so no build is needed before a test run (the tests
// that start binaries need `npx tsc -b`, which `npm test` runs first).
export default defineConfig({
  resolve: { conditions: ['@coreos-ts/source'] },
  ssr: { resolve: { conditions: ['@coreos-ts/source'] } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: everything, exclude: solo, sequence: { groupOrder: 0 } } },
      {
        extends: true,
        test: { name: 'solo', include: solo, fileParallelism: false, sequence: { groupOrder: 1 } },
      },
    ],
  },
});
