import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend } from '../../src/mvcc/backend.js';
import { LevelBackend } from '../../src/mvcc/level-backend.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';

interface Impl {
  readonly name: string;
  /** Opens a fresh backend; `reopen` closes it and opens the same storage again. */
  create(): Promise<{ backend: Backend; reopen(): Promise<Backend> }>;
}

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

const impls: Impl[] = [
  {
    name: 'memory',
    async create() {
      const backend = new MemoryBackend();
      return { backend, reopen: async () => backend };
    },
  },
  {
    name: 'leveldb',
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'kv-backend-'));
      dirs.push(dir);
      const backend = await LevelBackend.open(dir);
      return {
        backend,
        async reopen() {
          await backend.close();
          return LevelBackend.open(dir);
        },
      };
    },
  },
];

async function collect(backend: Backend, gte: Buffer, lt: Buffer): Promise<string[]> {
  const out: string[] = [];
  for await (const [k, v] of backend.entries({ gte, lt })) out.push(`${k.toString('hex')}=${v.toString()}`);
  return out;
}

describe.each(impls)('Backend conformance: $name', (impl) => {
  it('reads back what a batch wrote, synchronously', async () => {
    const { backend } = await impl.create();
    expect(backend.get(Buffer.from('a'))).toBeUndefined();
    await backend.write([
      { type: 'put', key: Buffer.from('a'), value: Buffer.from('1') },
      { type: 'put', key: Buffer.from('b'), value: Buffer.from('2') },
    ]);
    expect(backend.get(Buffer.from('a'))?.toString()).toBe('1');
    await backend.write([
      { type: 'del', key: Buffer.from('a') },
      { type: 'put', key: Buffer.from('b'), value: Buffer.from('3') },
    ]);
    expect(backend.get(Buffer.from('a'))).toBeUndefined();
    expect(backend.get(Buffer.from('b'))?.toString()).toBe('3');
    await backend.close();
  });

  it('scans in byte order within [gte, lt), binary keys included', async () => {
    const { backend } = await impl.create();
    const keys = [[0x6b, 0xff], [0x6b, 0x00], [0x6b], [0x6c, 0x00], [0x6a, 0xff], [0x6b, 0x80, 0x01]];
    await backend.write(
      keys.map((k, i) => ({ type: 'put' as const, key: Buffer.from(k), value: Buffer.from(`${i}`) })),
    );
    const got = await collect(backend, Buffer.from([0x6b]), Buffer.from([0x6c]));
    expect(got).toEqual(['6b=2', '6b00=1', '6b8001=5', '6bff=0']);
    expect(await collect(backend, Buffer.from([0x70]), Buffer.from([0x71]))).toEqual([]);
    await backend.close();
  });

  it('keeps data across reopen', async () => {
    const { backend, reopen } = await impl.create();
    await backend.write([{ type: 'put', key: Buffer.from([1, 2, 3]), value: Buffer.from([0, 255]) }]);
    const again = await reopen();
    expect(again.get(Buffer.from([1, 2, 3]))).toEqual(Buffer.from([0, 255]));
    await again.close();
  });

  it('an empty batch is a no-op', async () => {
    const { backend } = await impl.create();
    await backend.write([]);
    expect(await collect(backend, Buffer.from([0]), Buffer.from([0xff]))).toEqual([]);
    await backend.close();
  });
});
