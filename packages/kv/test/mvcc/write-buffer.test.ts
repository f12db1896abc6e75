import { describe, expect, it } from 'vitest';
import type { Backend, BackendOp, KeyRange } from '../../src/mvcc/backend.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { WriteBuffer } from '../../src/mvcc/write-buffer.js';

/** A backend whose writes wait until released, and can be made to fail. */
class GatedBackend implements Backend {
  readonly inner = new MemoryBackend();
  readonly gates: { ops: readonly BackendOp[]; release: (fail?: boolean) => void }[] = [];
  get(key: Buffer): Buffer | undefined {
    return this.inner.get(key);
  }
  entries(range: KeyRange): AsyncIterable<readonly [Buffer, Buffer]> {
    return this.inner.entries(range);
  }
  write(ops: readonly BackendOp[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.gates.push({
        ops,
        release: (fail) => (fail ? reject(new Error('disk full')) : this.inner.write(ops).then(resolve, reject)),
      });
    });
  }
  async close(): Promise<void> {}
}

const k = (s: string) => Buffer.from(s);

describe('WriteBuffer', () => {
  it('reads through staged and in-flight batches, and writes each round as one batch', async () => {
    const backend = new GatedBackend();
    const buffer = new WriteBuffer(backend);
    buffer.put(k('a'), k('1'));
    buffer.put(k('b'), k('1'));
    expect(buffer.stagedCount).toBe(2);
    const first = buffer.flush();
    buffer.del(k('a'));
    buffer.put(k('c'), k('2'));
    const second = buffer.flush();
    expect(buffer.get(k('a'))).toBeUndefined();
    expect(buffer.get(k('b'))?.toString()).toBe('1');
    expect(backend.inner.get(k('b'))).toBeUndefined();
    // batches reach the backend one at a time, in order
    await Promise.resolve();
    expect(backend.gates).toHaveLength(1);
    expect(backend.gates[0]?.ops.map((op) => op.key.toString())).toEqual(['a', 'b']);
    backend.gates[0]?.release();
    await first;
    expect(backend.gates).toHaveLength(2);
    backend.gates[1]?.release();
    await second;
    expect(backend.inner.get(k('a'))).toBeUndefined();
    expect(backend.inner.get(k('c'))?.toString()).toBe('2');
    expect(buffer.get(k('c'))?.toString()).toBe('2');
  });

  it('after a failed batch nothing later is written', async () => {
    const backend = new GatedBackend();
    const buffer = new WriteBuffer(backend);
    buffer.put(k('a'), k('1'));
    const first = buffer.flush();
    buffer.put(k('b'), k('1'));
    const second = buffer.flush();
    await Promise.resolve();
    backend.gates[0]?.release(true);
    await expect(first).rejects.toThrow('disk full');
    await expect(second).rejects.toThrow('disk full');
    expect(backend.gates).toHaveLength(1);
    expect(backend.inner.get(k('b'))).toBeUndefined();
  });
  it('writes the rounds cut while a batch is in flight as one batch, the later write of a key winning', async () => {
    const backend = new GatedBackend();
    const buffer = new WriteBuffer(backend);
    buffer.put(k('a'), k('1'));
    const first = buffer.flush();
    buffer.put(k('a'), k('2'));
    buffer.put(k('b'), k('2'));
    const second = buffer.flush();
    buffer.del(k('b'));
    buffer.put(k('c'), k('3'));
    const third = buffer.flush();
    await Promise.resolve();
    expect(backend.gates).toHaveLength(1);
    backend.gates[0]?.release();
    await first;
    expect(backend.gates).toHaveLength(2);
    expect(backend.gates[1]?.ops.map((op) => `${op.type}:${op.key}`)).toEqual(['put:a', 'del:b', 'put:c']);
    expect(buffer.get(k('a'))?.toString()).toBe('2');
    expect(buffer.get(k('b'))).toBeUndefined();
    backend.gates[1]?.release();
    await Promise.all([second, third]);
    expect(backend.gates).toHaveLength(2);
    expect(backend.inner.get(k('a'))?.toString()).toBe('2');
    expect(backend.inner.get(k('b'))).toBeUndefined();
    expect(backend.inner.get(k('c'))?.toString()).toBe('3');
  });
});
