import type { Member } from '../cluster.js';
import type { Header, KeyValue } from '../kv-types.js';
import type { StatusResult } from '../maintenance.js';
import type { TxnOpResult } from '../txn.js';
import type { WatchEvent } from '../watch/watch-types.js';
import { base64, omitEmpty } from './go-format.js';

/** etcd's JSON field names (the Go structs' json tags) for what etcdctl -w json prints. */
export function headerJson(header: Header): Record<string, unknown> {
  return omitEmpty({
    cluster_id: header.clusterId,
    member_id: header.memberId,
    revision: header.revision,
    raft_term: header.raftTerm,
  });
}

export function kvJson(kv: KeyValue): Record<string, unknown> {
  return omitEmpty({
    key: kv.key.length > 0 ? base64(kv.key) : undefined,
    create_revision: kv.createRevision,
    mod_revision: kv.modRevision,
    version: kv.version,
    value: kv.value.length > 0 ? base64(kv.value) : undefined,
    lease: kv.lease,
  });
}

export function rangeJson(r: {
  header: Header;
  kvs: KeyValue[];
  more: boolean;
  count: bigint;
}): Record<string, unknown> {
  return omitEmpty({ header: headerJson(r.header), kvs: r.kvs.map(kvJson), more: r.more, count: r.count });
}

export function eventJson(event: WatchEvent): Record<string, unknown> {
  return omitEmpty({
    type: event.type === 'delete' ? 1 : 0,
    kv: kvJson(event.kv),
    prev_kv: event.prevKv ? kvJson(event.prevKv) : undefined,
  });
}

export function txnOpJson(op: TxnOpResult): Record<string, unknown> {
  switch (op.type) {
    case 'range':
      return { Response: { ResponseRange: rangeJson(op.range) } };
    case 'put':
      return {
        Response: {
          ResponsePut: omitEmpty({
            header: headerJson(op.put.header),
            prev_kv: op.put.prevKv ? kvJson(op.put.prevKv) : undefined,
          }),
        },
      };
    case 'delete':
      return {
        Response: {
          ResponseDeleteRange: omitEmpty({
            header: headerJson(op.delete.header),
            deleted: op.delete.deleted,
            prev_kvs: op.delete.prevKvs.map(kvJson),
          }),
        },
      };
    case 'txn':
      return {
        Response: { ResponseTxn: omitEmpty({ header: headerJson(op.txn.header), succeeded: op.txn.succeeded }) },
      };
  }
}

export function memberJson(m: Member): Record<string, unknown> {
  return omitEmpty({ ID: m.id, name: m.name, peerURLs: m.peerUrls, clientURLs: m.clientUrls, isLearner: m.isLearner });
}

export function statusJson(s: StatusResult): Record<string, unknown> {
  return omitEmpty({
    header: headerJson(s.header),
    version: s.version,
    dbSize: s.dbSize,
    leader: s.leader,
    raftIndex: s.raftIndex,
    raftTerm: s.raftTerm,
    raftAppliedIndex: s.raftAppliedIndex,
    errors: s.errors,
    dbSizeInUse: s.dbSizeInUse,
    isLearner: s.isLearner,
  });
}
