import { KvClient } from '@coreos-ts/kv-client';
import { type RunningCluster, startCluster } from '@coreos-ts/kv-client/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryKeys } from '../src/registry/keys.js';
import { Registry } from '../src/registry/registry.js';

const FILE = '[Service]\nExecStart=/bin/true\n';

describe('Registry (real etcd)', () => {
  let etcd: RunningCluster;
  let client: KvClient;
  let registry: Registry;
  const keys = new RegistryKeys('/registry-test');

  beforeAll(async () => {
    etcd = await startCluster({ size: 3, binary: 'etcd' });
    client = new KvClient({ endpoints: etcd.endpoints });
    registry = new Registry(client, keys, { unitsMax: 3 });
  });

  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  it('stores units under the layout, with fleet state transitions and refusals', async () => {
    const unit = await registry.submitUnit('a.service', FILE, 'loaded', false);
    expect([unit.name, unit.desired, unit.current, unit.machineId]).toEqual(['a.service', 'loaded', 'inactive', '']);
    expect(await client.getString('/registry-test/desired/a.service')).toBe('loaded');
    expect(JSON.parse((await client.getString('/registry-test/units/a.service')) ?? '{}')).toEqual({
      name: 'a.service',
      text: FILE,
      hash: unit.hash,
    });
    await expect(registry.submitUnit('a.service', FILE, 'inactive', false)).rejects.toMatchObject({
      kind: 'already-exists',
    });
    await expect(registry.submitUnit('t@.service', FILE, 'launched', false)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: 'unable to load or start template unit t@.service',
    });
    await expect(registry.submitUnit('a.mount', FILE, 'inactive', false)).rejects.toMatchObject({
      kind: 'invalid-argument',
      message: 'a.mount: invalid unit type: "mount"',
    });
    await expect(registry.setDesiredState('nope.service', 'launched')).rejects.toMatchObject({ kind: 'not-found' });
    await registry.destroyUnit('a.service');
    await expect(registry.getUnit('a.service')).rejects.toMatchObject({ kind: 'not-found' });
    expect(await client.getString('/registry-test/desired/a.service')).toBeUndefined();
  });

  it('refuses units beyond unitsMax with resource-exhausted, but still replaces existing ones', async () => {
    for (const n of ['x', 'y', 'z']) await registry.submitUnit(`${n}.service`, FILE, 'inactive', false);
    await expect(registry.submitUnit('w.service', FILE, 'inactive', false)).rejects.toMatchObject({
      kind: 'resource-exhausted',
    });
    const replaced = await registry.submitUnit('x.service', `${FILE}Restart=always\n`, 'inactive', true);
    expect(replaced.text).toContain('Restart=always');
  });
});
