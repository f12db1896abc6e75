import { describe, expect, it } from 'vitest';
import {
  bootedSlotFromCmdline,
  defaultUpdateEngineConfig,
  mergeUpdateConfs,
  parseUpdateConf,
  validateUpdateEngineConfig,
} from '../src/engine/update-engine-config.js';

describe('update.conf and config', () => {
  it('parses update.conf like update_engine: comments, quotes, first file wins', () => {
    const etc = parseUpdateConf(
      '# local\nGROUP="beta"\nSERVER=\'http://u.example/v1/update/\'\n\nREBOOT_STRATEGY=off\n',
    );
    const usr = parseUpdateConf(
      'GROUP=stable\nSERVER=https://public.update.flatcar-linux.net/v1/update/\nMACHINE_ALIAS=x',
    );
    const merged = mergeUpdateConfs([etc, usr]);
    expect(merged.get('GROUP')).toBe('beta');
    expect(merged.get('SERVER')).toBe('http://u.example/v1/update/');
    expect(merged.get('MACHINE_ALIAS')).toBe('x');
    expect(merged.get('REBOOT_STRATEGY')).toBe('off');
  });

  it('finds the booted slot on the kernel command line', () => {
    const uuids = { A: '7130c94a-213a-4e5a-8e26-6cce9662f132', B: 'e03dd35c-7c2d-4a47-b3fe-27f15780a57c' };
    expect(
      bootedSlotFromCmdline('root=LABEL=ROOT mount.usr=PARTUUID=e03dd35c-7c2d-4a47-b3fe-27f15780a57c ro', uuids),
    ).toBe('B');
    expect(bootedSlotFromCmdline('usr=PARTLABEL=USR-A', uuids)).toBe('A');
    expect(bootedSlotFromCmdline('quiet', uuids)).toBeNull();
  });

  it('validates once, naming the field', () => {
    const errors = validateUpdateEngineConfig({ ...defaultUpdateEngineConfig(), server: 'ftp://x', machineId: 'zz' });
    expect(errors.join('\n')).toMatch(/^server \("ftp:\/\/x"\)/m);
    expect(errors.join('\n')).toMatch(/machine-id/);
    expect(errors.join('\n')).toMatch(/public-key/);
    expect(
      validateUpdateEngineConfig({
        ...defaultUpdateEngineConfig(),
        machineId: 'dbff85b41ae14f41bde761eefbdafaac',
        publicKeyPem: '/k.pem',
      }),
    ).toEqual([]);
  });
});
