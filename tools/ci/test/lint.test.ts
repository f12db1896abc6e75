import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../../..');
const biome = join(root, 'node_modules', '.bin', 'biome');
const dir = mkdtempSync(join(tmpdir(), 'lint-check-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `biome ci` with the project's own rules (less its git and schema settings) on one file. */
function check(source: string) {
  const { vcs: _vcs, $schema: _schema, ...config } = JSON.parse(readFileSync(join(root, 'biome.json'), 'utf8'));
  writeFileSync(join(dir, 'biome.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'sample.ts'), source);
  return spawnSync(biome, ['ci', 'sample.ts'], { cwd: dir, encoding: 'utf8' });
}

describe('the lint check in npm test', () => {
  it('fails on a badly formatted file and names it', () => {
    const result = check('export   const x = {a:1,\n b:"two"}\n');
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('sample.ts');
  });

  it('passes a well formatted file with the same config', () => {
    const result = check("export const x = { a: 1, b: 'two' };\n");
    expect(result.stderr + result.stdout).not.toContain('sample.ts');
    expect(result.status).toBe(0);
  });
});
