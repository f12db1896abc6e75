import { mvccpb } from '@coreos-ts/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readKeyValueHeader } from '../../src/mvcc/key-value-header.js';

const int64Arb = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: 0n, max: 2n ** 53n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const kvArb = fc.record({
  key: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  createRevision: int64Arb,
  modRevision: int64Arb,
  version: int64Arb,
  value: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  lease: int64Arb,
});

describe('readKeyValueHeader', () => {
  it('reads what mvccpb.KeyValue.decode reads, but the value', () => {
    fc.assert(
      fc.property(kvArb, (kv) => {
        const raw = Buffer.from(mvccpb.KeyValue.encode(kv).finish());
        const full = mvccpb.KeyValue.decode(raw);
        expect(readKeyValueHeader(raw)).toEqual({
          key: full.key.toString('latin1'),
          createRevision: Number(full.createRevision),
          version: Number(full.version),
          lease: full.lease,
        });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a truncated record like the full decoder', () => {
    const raw = Buffer.from(
      mvccpb.KeyValue.encode(mvccpb.KeyValue.fromPartial({ key: Buffer.from('k'), value: Buffer.alloc(50) })).finish(),
    );
    expect(() => mvccpb.KeyValue.decode(raw.subarray(0, 20))).toThrow();
    expect(() => readKeyValueHeader(raw.subarray(0, 20))).toThrow();
  });
});
