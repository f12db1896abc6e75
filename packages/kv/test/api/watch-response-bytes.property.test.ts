import { etcdserverpb, mvccpb } from '@coreos-ts/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WatchResponseEncoder, watchServiceDefinition } from '../../src/api/watch-response-bytes.js';

const uint64Arb = fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }));
const int64Arb = fc.oneof(
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: 0n, max: 2n ** 53n + 10n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const bytesArb = (max: number) => fc.uint8Array({ maxLength: max }).map((a) => Buffer.from(a));
const kvArb = fc.record({
  key: bytesArb(40),
  createRevision: int64Arb,
  modRevision: int64Arb,
  version: int64Arb,
  value: bytesArb(300),
  lease: int64Arb,
});
const eventArb = fc.record({
  type: fc.constantFrom(mvccpb.Event_EventType.PUT, mvccpb.Event_EventType.DELETE),
  kv: fc.option(kvArb, { nil: undefined }),
  prevKv: fc.option(kvArb, { nil: undefined }),
});
const headerArb = fc.record({ clusterId: uint64Arb, memberId: uint64Arb, revision: int64Arb, raftTerm: uint64Arb });
const rare = <T>(arb: fc.Arbitrary<T>, usual: T) => fc.oneof({ weight: 4, arbitrary: fc.constant(usual) }, arb);

/** Responses over a small pool of events and headers: watchers of one write share them. */
const responsesArb = fc
  .tuple(fc.array(eventArb, { minLength: 1, maxLength: 4 }), fc.array(headerArb, { minLength: 1, maxLength: 3 }))
  .chain(([events, headers]) =>
    fc.array(
      fc.record({
        header: fc.oneof(fc.constantFrom(...headers), fc.constant(undefined)),
        watchId: fc.oneof(fc.bigInt({ min: 0n, max: 100n }), int64Arb),
        created: rare(fc.boolean(), false),
        canceled: rare(fc.boolean(), false),
        compactRevision: rare(int64Arb, 0n),
        cancelReason: rare(fc.string(), ''),
        fragment: rare(fc.boolean(), false),
        events: fc.subarray(events),
      }),
      { minLength: 1, maxLength: 12 },
    ),
  );

describe('WatchResponseEncoder', () => {
  it('writes the bytes etcdserverpb.WatchResponse.encode writes, with shared events and headers', () => {
    fc.assert(
      fc.property(responsesArb, (responses) => {
        const encoder = new WatchResponseEncoder();
        for (const resp of responses) {
          const expected = Buffer.from(etcdserverpb.WatchResponse.encode(resp).finish());
          expect(encoder.encode(resp).equals(expected)).toBe(true);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('re-encodes an event that is a new object with the same fields (no stale cache)', () => {
    const encoder = new WatchResponseEncoder();
    const header = { clusterId: 1n, memberId: 2n, revision: 3n, raftTerm: 4n };
    const kv = {
      key: Buffer.from('k'),
      value: Buffer.from('v1'),
      createRevision: 2n,
      modRevision: 3n,
      version: 1n,
      lease: 0n,
    };
    const first = { type: mvccpb.Event_EventType.PUT, kv, prevKv: undefined };
    const resp = (ev: mvccpb.Event) => etcdserverpb.WatchResponse.fromPartial({ header, watchId: 7n, events: [ev] });
    const decodedValue = (b: Buffer) => etcdserverpb.WatchResponse.decode(b).events[0]?.kv?.value.toString();
    expect(decodedValue(encoder.encode(resp(first)))).toBe('v1');
    const second = { ...first, kv: { ...kv, value: Buffer.from('v2') } };
    expect(decodedValue(encoder.encode(resp(second)))).toBe('v2');
  });

  it('the Watch definition writes encoded bytes as they are and encodes messages', () => {
    const serialize = (watchServiceDefinition.watch as { responseSerialize(v: unknown): Buffer }).responseSerialize;
    const bytes = Buffer.from([0x10, 0x05]);
    expect(serialize(bytes)).toBe(bytes);
    const message = etcdserverpb.WatchResponse.fromPartial({ watchId: 5n });
    expect(serialize(message).equals(bytes)).toBe(true);
  });
});
