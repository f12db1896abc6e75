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

// Tests run the TypeScript sources: the `@coreos-ts/source` export condition points each
// workspace package at its src/index.ts, so no build is needed before a test run.
export default defineConfig({
  resolve: { conditions: ['@coreos-ts/source'] },
  ssr: { resolve: { conditions: ['@coreos-ts/source'] } },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/test/**/*.test.ts', 'tools/*/test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
