import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { etcdserverpb } from '@coreos-ts/proto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isKvError } from '../../src/errors.js';
import type { Backend } from '../../src/mvcc/backend.js';
import { LevelBackend } from '../../src/mvcc/level-backend.js';
import { MemoryBackend } from '../../src/mvcc/memory-backend.js';
import { MvccStore } from '../../src/mvcc/mvcc-store.js';
import { WriteBuffer } from '../../src/mvcc/write-buffer.js';
import { b } from './helpers.js';

// The naive model: one full Map snapshot per revision.
interface ModelKv {
  value: string;
  create: bigint;
  mod: bigint;
  version: bigint;
}
type Snapshot = Map<string, ModelKv>;

class Model {
  readonly snapshots: Snapshot[] = [new Map(), new Map()]; // revisions 0 and 1 are empty
  compacted = -1n;
  get rev(): bigint {
    return BigInt(this.snapshots.length - 1);
  }
  get latest(): Snapshot {
    return this.snapshots[this.snapshots.length - 1] as Snapshot;
  }
  /** Applies writes (put: value, delete: null) as one revision, if anything changes. */
  write(writes: [string, string | null][]): void {
    const next = new Map(this.latest);
    const rev = this.rev + 1n;
    let changed = false;
    for (const [k, v] of writes) {
      const prev = next.get(k);
      if (v === null) {
        if (prev !== undefined) {
          next.delete(k);
          changed = true;
        }
      } else {
        next.set(k, { value: v, create: prev?.create ?? rev, mod: rev, version: (prev?.version ?? 0n) + 1n });
        changed = true;
      }
    }
    if (changed) this.snapshots.push(next);
  }
  inSpan(k: string, from: string, to: string | undefined): boolean {
    return to === undefined ? k === from : k >= from && k < to;
  }
}

const keys = ['a', 'b', 'c', 'd', 'e'];
const keyArb = fc.constantFrom(...keys);
const valueArb = fc.constantFrom('x', 'y', 'z', '');
const spanArb = fc.oneof(
  keyArb.map((k) => [k, undefined] as const),
  fc.tuple(keyArb, fc.constantFrom('b', 'c', 'e', 'f')).map(([k, e]) => [k, e] as const),
);

type Op =
  | { t: 'put'; k: string; v: string }
  | { t: 'del'; span: readonly [string, string | undefined] }
  | {
      t: 'txn';
      k: string;
      version: number;
      onTrue: [string, string][];
      otherwise: [string, string][];
      delKey: string | null;
    }
  | { t: 'compact'; back: number }
  | { t: 'range'; span: readonly [string, string | undefined]; back: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ t: fc.constant('put' as const), k: keyArb, v: valueArb }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), span: spanArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('txn' as const),
      k: keyArb,
      version: fc.integer({ min: 0, max: 3 }),
      onTrue: fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: (p) => p[0], maxLength: 3 }),
      otherwise: fc.uniqueArray(fc.tuple(keyArb, valueArb), { selector: (p) => p[0], maxLength: 3 }),
      delKey: fc.option(keyArb),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('compact' as const), back: fc.integer({ min: 0, max: 6 }) }) },
  {
    weight: 3,
    arbitrary: fc.record({ t: fc.constant('range' as const), span: spanArb, back: fc.integer({ min: 0, max: 8 }) }),
  },
);

function req(span: readonly [string, string | undefined]) {
  return { key: b(span[0]), rangeEnd: b(span[1] ?? '') };
}

function checkRange(store: MvccStore, model: Model, span: readonly [string, string | undefined], rev: bigint): void {
  let got: etcdserverpb.RangeResponse | string;
  try {
    got = store.range(etcdserverpb.RangeRequest.create({ ...req(span), revision: rev }));
  } catch (err) {
    if (!isKvError(err)) throw err;
    got = err.code;
  }
  if (rev > model.rev) return void expect(got).toBe('FutureRev');
  const at = rev <= 0n ? model.rev : rev;
  if (at < model.compacted) return void expect(got).toBe('Compacted');
  const snap = model.snapshots[Number(at)] as Snapshot;
  const want = [...snap.entries()]
    .filter(([k]) => model.inSpan(k, span[0], span[1]))
    .sort(([x], [y]) => (x < y ? -1 : 1))
    .map(([k, kv]) => [k, kv.value, kv.create, kv.mod, kv.version]);
  if (typeof got === 'string') throw new Error(`unexpected ${got} at ${at}`);
  expect(
    got.kvs.map((kv) => [kv.key.toString(), kv.value.toString(), kv.createRevision, kv.modRevision, kv.version]),
  ).toEqual(want);
  expect(got.header?.revision).toBe(model.rev);
}

function apply(store: MvccStore, model: Model, op: Op): void {
  switch (op.t) {
    case 'put':
      store.put(etcdserverpb.PutRequest.create({ key: b(op.k), value: b(op.v) }));
      model.write([[op.k, op.v]]);
      break;
    case 'del': {
      const resp = store.deleteRange(etcdserverpb.DeleteRangeRequest.create(req(op.span)));
      const doomed = [...model.latest.keys()].filter((k) => model.inSpan(k, op.span[0], op.span[1]));
      expect(resp.deleted).toBe(BigInt(doomed.length));
      model.write(doomed.map((k) => [k, null]));
      break;
    }
    case 'txn': {
      const ok = (model.latest.get(op.k)?.version ?? 0n) === BigInt(op.version);
      const branch = ok ? op.onTrue : op.otherwise;
      const delKey = op.delKey !== null && !branch.some(([k]) => k === op.delKey) ? op.delKey : null;
      const ops = (pairs: [string, string][]): etcdserverpb.RequestOp[] => [
        ...pairs.map(([k, v]) => ({ requestPut: etcdserverpb.PutRequest.create({ key: b(k), value: b(v) }) })),
        ...(delKey !== null && pairs === branch
          ? [{ requestDeleteRange: etcdserverpb.DeleteRangeRequest.create({ key: b(delKey) }) }]
          : []),
      ];
      const compare = etcdserverpb.Compare.create({
        key: b(op.k),
        target: etcdserverpb.Compare_CompareTarget.VERSION,
        version: BigInt(op.version),
      });
      const resp = store.txn(
        etcdserverpb.TxnRequest.create({ compare: [compare], success: ops(op.onTrue), failure: ops(op.otherwise) }),
      );
      expect(resp.succeeded).toBe(ok);
      model.write([...branch, ...(delKey === null ? [] : [[delKey, null] as [string, null]])]);
      break;
    }
    case 'compact': {
      const rev = model.rev - BigInt(op.back);
      let code: string | undefined;
      try {
        store.compact(etcdserverpb.CompactionRequest.create({ revision: rev }));
      } catch (err) {
        if (!isKvError(err)) throw err;
        code = err.code;
      }
      if (rev <= model.compacted) expect(code).toBe('Compacted');
      else {
        expect(code).toBeUndefined();
        model.compacted = rev;
      }
      break;
    }
    case 'range':
      checkRange(store, model, op.span, model.rev - BigInt(op.back) + 1n);
      break;
  }
  expect(store.currentRevision()).toBe(model.rev);
}

interface Storage {
  backend: Backend;
  reopen(): Promise<Backend>;
}

async function agrees(ops: Op[], storage: Storage): Promise<void> {
  const buffer = new WriteBuffer(storage.backend);
  // tiny compaction batches: restarts often happen in the middle of a compaction
  const config = { maxTxnOps: 128, compactionBatchMax: 2 };
  const store = await MvccStore.open(buffer, { config });
  const model = new Model();
  ops.forEach((op, i) => {
    apply(store, model, op);
    if (i % 7 === 6) void buffer.flush();
  });
  await store.flush();
  const checkAll = (s: MvccStore) => {
    for (let rev = 0n; rev <= model.rev; rev++) {
      checkRange(s, model, ['a', 'f'], rev);
      checkRange(s, model, ['c', undefined], rev);
    }
  };
  checkAll(store);
  const hash = store.hashKV(0n).hash;
  const reopened = await MvccStore.open(new WriteBuffer(await storage.reopen()), { config });
  expect(reopened.currentRevision()).toBe(model.rev);
  expect(reopened.hashKV(0n).hash).toBe(hash);
  checkAll(reopened);
}

describe('MVCC against a map of snapshots', () => {
  it('agrees on every op, at every revision, and after a restart (memory backend)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 60, size: 'max' }), async (ops) => {
        const backend = new MemoryBackend();
        await agrees(ops, { backend, reopen: async () => backend });
      }),
      { numRuns: 200 },
    );
  });

  it('agrees after a restart from LevelDB', async () => {
    const root = await mkdtemp(join(tmpdir(), 'kv-mvcc-model-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { maxLength: 60, size: 'max' }), async (ops) => {
          const dir = join(root, `${run++}`);
          let backend = await LevelBackend.open(dir);
          await agrees(ops, {
            backend,
            async reopen() {
              await backend.close();
              backend = await LevelBackend.open(dir);
              return backend;
            },
          });
          await backend.close();
        }),
        { numRuns: 25 },
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
