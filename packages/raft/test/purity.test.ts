import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The core must stay a pure state machine: no clocks, timers, randomness, environment,
// sockets or files outside src/testing (where only the CLIs touch process and clocks).
const src = join(import.meta.dirname, '..', 'src');
const forbidden = [
  /Math\.random/,
  /Date\.now/,
  /new Date\(/,
  /performance\./,
  /setTimeout|setInterval|setImmediate|queueMicrotask/,
  /process\./,
  /from 'node:(?!assert)/,
];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('purity of the core', () => {
  it('has no I/O, clock or randomness outside src/testing', () => {
    const core = files(src).filter((f) => !relative(src, f).startsWith('testing'));
    expect(core.length).toBeGreaterThan(20);
    const offenders = core.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return forbidden.filter((re) => re.test(text)).map((re) => `${relative(src, f)}: ${re}`);
    });
    expect(offenders).toEqual([]);
  });

  it('the simulator is seeded: only the CLIs read clocks or the process', () => {
    const sim = files(join(src, 'testing')).filter((f) => !/sim-cli|bench/.test(f));
    const offenders = sim.flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return forbidden.filter((re) => re.test(text)).map((re) => `${relative(src, f)}: ${re}`);
    });
    expect(offenders).toEqual([]);
  });
});
