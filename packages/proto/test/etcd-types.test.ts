import { describe, expect, it } from 'vitest';
import { etcdserverpb, mvccpb } from '../src/index.js';

describe('generated etcd types', () => {
  it('round-trip a RangeRequest with an int64 revision above 2^53 unchanged', () => {
    const revision = 2n ** 53n + 12345n;
    const request = etcdserverpb.RangeRequest.fromPartial({
      key: Buffer.from('foo'),
      rangeEnd: Buffer.from('fop'),
      revision,
      limit: 10n,
      sortOrder: etcdserverpb.RangeRequest_SortOrder.DESCEND,
    });
    const bytes = etcdserverpb.RangeRequest.encode(request).finish();
    const decoded = etcdserverpb.RangeRequest.decode(bytes);
    expect(decoded.revision).toBe(revision);
    expect(decoded.key.toString()).toBe('foo');
    expect(decoded.rangeEnd.toString()).toBe('fop');
    expect(decoded.sortOrder).toBe(etcdserverpb.RangeRequest_SortOrder.DESCEND);
  });

  it("uses etcd's field numbers on the wire", () => {
    // RangeRequest.revision is field 4 (varint): tag byte 0x20; KeyValue.lease is field 6: tag 0x30.
    const range = etcdserverpb.RangeRequest.encode(etcdserverpb.RangeRequest.fromPartial({ revision: 7n })).finish();
    expect(Buffer.from(range).toString('hex')).toBe('2007');
    const kv = mvccpb.KeyValue.encode(mvccpb.KeyValue.fromPartial({ lease: 1n })).finish();
    expect(Buffer.from(kv).toString('hex')).toBe('3001');
    const cmp = etcdserverpb.Compare.encode(etcdserverpb.Compare.fromPartial({ rangeEnd: Buffer.from('a') })).finish();
    // range_end is field 64, length-delimited: tag varint (64 << 3 | 2) = 514 = 0x82 0x04
    expect(Buffer.from(cmp).toString('hex')).toBe('82040161');
  });

  it('keeps a negative int64 (a lease TTL of -1) exact', () => {
    const res = etcdserverpb.LeaseTimeToLiveResponse.fromPartial({ TTL: -1n, ID: 2n ** 63n - 1n });
    const decoded = etcdserverpb.LeaseTimeToLiveResponse.decode(
      etcdserverpb.LeaseTimeToLiveResponse.encode(res).finish(),
    );
    expect(decoded.TTL).toBe(-1n);
    expect(decoded.ID).toBe(2n ** 63n - 1n);
  });
});
