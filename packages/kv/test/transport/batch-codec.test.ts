import { raftpb } from '@coreos-ts/proto';
import { type Entry, type Message, newMessage } from '@coreos-ts/raft';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessageBatch, encodeMessageBatch } from '../../src/transport/batch-codec.js';
import { messageFromWire, messageToWire } from '../../src/transport/raft-codec.js';

const u64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
const index = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 300 }),
  fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
);
const bytes = fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b));
const entry: fc.Arbitrary<Entry> = fc.record({
  term: index,
  index,
  type: fc.constantFrom(0, 1, 2),
  data: bytes,
});
const message: fc.Arbitrary<Message> = fc
  .record({
    type: fc.integer({ min: 0, max: 23 }),
    to: u64,
    from: u64,
    term: index,
    logTerm: index,
    index,
    entries: fc.array(entry, { maxLength: 4 }),
    commit: index,
    reject: fc.boolean(),
    rejectHint: index,
    context: bytes,
  })
  .map((fields) => newMessage(fields));

/** Messages as plain data (Buffers as arrays) so equal content compares equal. */
function plain(messages: readonly Message[]) {
  return messages.map((m) => ({
    ...m,
    context: [...m.context],
    entries: m.entries.map((e) => ({ ...e, data: [...e.data] })),
  }));
}

describe('batch codec', () => {
  it('writes the bytes the generated codec reads, and reads the bytes it writes', () => {
    fc.assert(
      fc.property(u64, u64, fc.array(message, { maxLength: 5 }), (clusterId, from, messages) => {
        const ours = encodeMessageBatch(clusterId, from, messages);
        const generated = raftpb.MessageBatch.decode(ours);
        expect(generated.clusterId).toBe(clusterId);
        expect(generated.from).toBe(from);
        expect(plain(generated.messages.map((m) => messageFromWire(m)))).toEqual(plain(messages));

        const theirs = Buffer.from(
          raftpb.MessageBatch.encode({ clusterId, from, messages: messages.map(messageToWire) }).finish(),
        );
        expect(ours.equals(theirs)).toBe(true);
        const decoded = decodeMessageBatch(theirs);
        expect(decoded.clusterId).toBe(clusterId);
        expect(decoded.from).toBe(from);
        expect(plain(decoded.messages)).toEqual(plain(messages));
      }),
      { numRuns: 300 },
    );
  });

  it('encodes an entry once and reuses it for every batch it is in', () => {
    const e: Entry = { term: 3, index: 7, type: 0, data: Buffer.from('x') };
    const m = newMessage({ type: 3, to: 2n, from: 1n, entries: [e] });
    const a = encodeMessageBatch(1n, 1n, [m]);
    e.data = Buffer.from('changed after encoding'); // entries are immutable once in the log
    expect(encodeMessageBatch(1n, 1n, [m]).equals(a)).toBe(true);
  });

  it('refuses truncated input', () => {
    const bytes = encodeMessageBatch(5n, 1n, [newMessage({ type: 3, to: 2n, from: 1n, context: Buffer.from('abc') })]);
    expect(() => decodeMessageBatch(bytes.subarray(0, bytes.length - 1))).toThrow(RangeError);
  });
});
