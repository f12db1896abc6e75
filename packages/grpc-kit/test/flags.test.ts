import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { envName, envOption, parseDuration, parseList } from '../src/index.js';

describe('etcd-style flags', () => {
  it('derives the environment fallback from the long flag', () => {
    expect(envName('ETCD', '--data-dir')).toBe('ETCD_DATA_DIR');
    expect(envName('FLEET', '--etcd-key-prefix')).toBe('FLEET_ETCD_KEY_PREFIX');
  });

  it('takes the flag over the environment, and the environment over the default', () => {
    const make = () =>
      new Command()
        .exitOverride()
        .addOption(envOption('ETCD', '--data-dir <path>', 'data directory').default('default.etcd'))
        .addOption(envOption('ETCD', '--name <name>', 'member name').default('default'));
    process.env.ETCD_DATA_DIR = '/from/env';
    try {
      const fromEnv = make().parse(['node', 'kvd'], { from: 'node' }).opts();
      expect(fromEnv).toEqual({ dataDir: '/from/env', name: 'default' });
      const fromFlag = make().parse(['node', 'kvd', '--data-dir', '/from/flag'], { from: 'node' }).opts();
      expect(fromFlag.dataDir).toBe('/from/flag');
    } finally {
      delete process.env.ETCD_DATA_DIR;
    }
  });

  it('parses Go-style durations and refuses garbage', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(() => parseDuration('ten seconds')).toThrow(/invalid duration/);
    expect(() => parseDuration('10')).toThrow(/invalid duration/);
  });

  it('splits lists', () => {
    expect(parseList('a, b,,c')).toEqual(['a', 'b', 'c']);
  });
});
