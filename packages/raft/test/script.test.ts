import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScript } from './harness/script.js';

// Script tests in the style of etcd-io/raft's testdata: each command's output (the Readys
// handled, the messages delivered) is compared with the golden text in the file.
// UPDATE_GOLDEN=1 npx vitest run packages/raft rewrites the goldens.
const dir = join(import.meta.dirname, 'testdata');
const update = process.env.UPDATE_GOLDEN === '1';

describe('script tests', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt'));
  it('has scripts', () => {
    expect(files.length).toBeGreaterThan(10);
  });
  for (const f of files) {
    it(f, () => {
      const { actual, expected } = runScript(join(dir, f), update);
      if (!update) expect(actual).toBe(expected);
    });
  }
});
