import { etcdserverpb } from '@coreos-ts/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MvccStore } from '../../src/mvcc/mvcc-store.js';
import { WatchHub } from '../../src/watch/watch-hub.js';
import type { WatchOptions } from '../../src/watch/watcher.js';
import { b, memoryStore } from '../mvcc/helpers.js';
import { RecordingSink } from './helpers.js';

type Step =
  | { t: 'put'; k: string }
  | { t: 'del'; k: string }
  | { t: 'txn'; ks: string[] }
  | { t: 'sink'; open: boolean }
  | { t: 'sync' }
  | { t: 'resume' }
  | { t: 'compact' };

const keyArb = fc.constantFrom('a', 'b', 'c', 'd');
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('put' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('txn' as const), ks: fc.uniqueArray(keyArb, { minLength: 1 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('sink' as const), open: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('sync' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('resume' as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('compact' as const) }) },
);

/** One event the store emitted, with the mod revision of the key's previous value (the model). */
interface Emitted {
  readonly text: string;
  readonly key: string;
  readonly rev: bigint;
  readonly isDelete: boolean;
  readonly prevMod: bigint | undefined;
}

function runStep(store: MvccStore, step: Step, compactions: Set<bigint>): void {
  switch (step.t) {
    case 'put':
      store.put(etcdserverpb.PutRequest.create({ key: b(step.k), value: b('v') }));
      break;
    case 'del':
      store.deleteRange(etcdserverpb.DeleteRangeRequest.create({ key: b(step.k) }));
      break;
    case 'txn':
      store.txn(
        etcdserverpb.TxnRequest.create({
          success: step.ks.map((k) => ({ requestPut: etcdserverpb.PutRequest.create({ key: b(k) }) })),
        }),
      );
      break;
    case 'compact': {
      const rev = store.currentRevision() - 2n;
      if (rev > store.compactRevision()) {
        store.compact(etcdserverpb.CompactionRequest.create({ revision: rev }));
        compactions.add(rev);
      }
      break;
    }
    default:
      break;
  }
}

interface Subject {
  readonly options: WatchOptions;
  readonly keys: readonly string[];
  readonly sink: RecordingSink;
  id?: number;
}

function check(hub: WatchHub, subject: Subject, emitted: Emitted[], first: bigint, compactions: Set<bigint>): void {
  const { sink } = subject;
  const got = sink.events();
  // like etcd, a catch-up from exactly a compaction revision misses the deletes at it
  const want = emitted
    .filter((e) => subject.keys.includes(e.key) && e.rev >= first)
    .filter((e) => !(e.isDelete && compactions.has(e.rev)) || got.includes(e.text))
    .map((e) => e.text);
  const notice = sink.got.find((r) => r.compactRevision !== 0n);
  if (notice !== undefined) {
    // a compacted watcher gets a prefix of its events, then the notice, then nothing
    expect(sink.got[sink.got.length - 1]).toBe(notice);
    expect(notice.canceled).toBe(true);
    expect(got).toEqual(want.slice(0, got.length));
  } else {
    expect(hub.isSynced(subject.id as number)).toBe(true);
    expect(got).toEqual(want);
  }
  const byText = new Map(emitted.map((e) => [e.text, e]));
  const responseOf = new Map<bigint, number>();
  sink.got.forEach((r, i) => {
    for (const ev of r.events) {
      const rev = ev.kv?.modRevision as bigint;
      // a revision's events never straddle two responses
      expect(responseOf.get(rev) ?? i).toBe(i);
      responseOf.set(rev, i);
      if (subject.options.prevKv !== true) {
        expect(ev.prevKv).toBeUndefined();
        continue;
      }
      // prev_kv is the key's previous value, unless compaction took it first
      const model = byText.get(`${ev.type === 0 ? 'PUT' : 'DELETE'} ${ev.kv?.key.toString()}@${rev}`) as Emitted;
      if (ev.prevKv !== undefined) expect(ev.prevKv.modRevision).toBe(model.prevMod);
      else if (model.prevMod !== undefined) expect(compactions.size).toBeGreaterThan(0);
    }
  });
}

describe('watch delivery under a slow sink', () => {
  it('every matching event exactly once, in revision order, or a compaction notice', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { maxLength: 80, size: 'max' }),
        fc.integer({ min: 1, max: 4 }), // catch-up chunk
        fc.integer({ min: 0, max: 4 }), // extra pending room
        fc.integer({ min: 1, max: 5 }), // scan budget
        fc.integer({ min: 0, max: 6 }), // start revision
        fc.integer({ min: 0, max: 3 }), // how many revisions after the start the watchers are created
        async (steps, chunk, room, scan, start, lag) => {
          const store = await memoryStore();
          const emitted: Emitted[] = [];
          store.onEvents((batch) => {
            for (const e of batch.events) {
              const key = e.kv?.key.toString() as string;
              const isDelete = e.type === 1;
              const prevMod = store.kvAt(b(key), batch.revision - 1n)?.modRevision;
              const text = `${isDelete ? 'DELETE' : 'PUT'} ${key}@${batch.revision}`;
              emitted.push({ text, key, rev: batch.revision, isDelete, prevMod });
            }
          });
          const hub = new WatchHub(store, {
            watchersMax: 10,
            pendingEventsMax: chunk + room,
            catchUpEventsMax: chunk,
            catchUpScanMax: scan,
          });
          const startRevision = BigInt(start);
          const subjects: Subject[] = [
            {
              options: { key: b('a'), rangeEnd: b('c'), startRevision, prevKv: true },
              keys: ['a', 'b'],
              sink: new RecordingSink(),
            },
            { options: { key: b('b'), startRevision }, keys: ['b'], sink: new RecordingSink() },
          ];
          let createdAt = 0n;
          const begin = () => {
            createdAt = store.currentRevision();
            for (const s of subjects) s.id = hub.watch(s.options, s.sink);
          };
          const compactions = new Set<bigint>();
          let begun = false;
          for (const step of steps) {
            if (!begun && store.currentRevision() >= startRevision - 1n + BigInt(lag)) {
              begin();
              begun = true;
            }
            if (step.t === 'sink') for (const s of subjects) s.sink.open = step.open;
            else if (step.t === 'sync') hub.syncUnsynced();
            else if (step.t === 'resume') for (const s of subjects) hub.resume(s.id ?? 0);
            else runStep(store, step, compactions);
          }
          if (!begun) begin();
          for (const s of subjects) s.sink.open = true;
          for (let i = 0; i < 500 && hub.syncUnsynced() > 0; i++) {
            for (const s of subjects) hub.resume(s.id as number);
          }
          for (const s of subjects) hub.resume(s.id as number); // drain queues of synced watchers
          const first = startRevision > 0n ? startRevision : createdAt + 1n;
          for (const s of subjects) check(hub, s, emitted, first, compactions);
        },
      ),
      { numRuns: 300 },
    );
  });
});
