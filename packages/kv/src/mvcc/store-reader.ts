import assert from 'node:assert';
import { type etcdserverpb, mvccpb } from '@coreos-ts/proto';
import { KvError } from '../errors.js';
import { bucketKey, keyBucket } from './backend.js';
import type { KeyHistory, KeyRevisionInfo } from './key-history.js';
import type { KeySpan } from './key-range.js';
import { keySpan } from './key-range.js';
import { needsFullRead, shapeRange } from './range-shape.js';
import { encodeRevisionKey, type Revision } from './revision.js';
import type { SortedMap } from './sorted-map.js';
import type { WriteBuffer } from './write-buffer.js';

export interface LiveKey {
  /** The key as a latin1 string. */
  readonly key: string;
  readonly info: KeyRevisionInfo;
}

export function responseHeader(revision: bigint): etcdserverpb.ResponseHeader {
  return { clusterId: 0n, memberId: 0n, revision, raftTerm: 0n };
}

/** The read side of the store: the key index for which revision, the buffer for its value. */
export class StoreReader {
  constructor(
    private readonly index: SortedMap<KeyHistory>,
    private readonly buffer: WriteBuffer,
    private readonly compactRevision: () => bigint,
  ) {}

  readKv(rev: Revision): mvccpb.KeyValue {
    const raw = this.buffer.get(bucketKey(keyBucket, encodeRevisionKey(rev, false)));
    assert.ok(raw !== undefined, `mvcc: revision ${rev.main}_${rev.sub} missing from the backend`);
    return mvccpb.KeyValue.decode(raw);
  }

  /** The keys of the span that are live at revision `main`, ascending. */
  live(span: KeySpan, main: bigint): LiveKey[] {
    const out: LiveKey[] = [];
    if (span.single) {
      const info = this.index.get(span.from)?.at(main);
      if (info !== undefined) out.push({ key: span.from, info });
      return out;
    }
    if (span.to !== undefined && span.to <= span.from) return out;
    for (const [key, hist] of this.index.range(span.from, span.to)) {
      const info = hist.at(main);
      if (info !== undefined) out.push({ key, info });
    }
    return out;
  }

  /** The live KeyValues of the span at revision `main`. */
  kvs(span: KeySpan, main: bigint): mvccpb.KeyValue[] {
    return this.live(span, main).map((k) => this.readKv(k.info.rev));
  }

  /** A Range as seen from revision `viewRev` (the current one, or a txn's own view). */
  range(req: etcdserverpb.RangeRequest, viewRev: bigint): etcdserverpb.RangeResponse {
    let at = req.revision;
    if (at > viewRev) throw new KvError('FutureRev');
    if (at <= 0n) at = viewRev;
    if (at < this.compactRevision()) throw new KvError('Compacted');
    const keys = this.live(keySpan(req.key, req.rangeEnd), at);
    const count = BigInt(keys.length);
    const header = responseHeader(viewRev);
    if (req.countOnly) return { header, kvs: [], more: false, count };
    let n = keys.length;
    // without sort or filters, one more than the limit is enough to know there is more
    if (!needsFullRead(req) && req.limit > 0n && req.limit < BigInt(n)) n = Number(req.limit) + 1;
    const read = keys.slice(0, n).map((k) => this.readKv(k.info.rev));
    const shaped = shapeRange(req, read);
    return { header, kvs: shaped.kvs, more: shaped.more, count };
  }
}
