import type { Logger } from '@coreos-ts/grpc-kit';
import { etcdserverpb } from '@coreos-ts/proto';
import type { AutoCompaction } from '../config.js';
import type { EtcdServer } from './etcd-server.js';

/** How often revision mode looks at the store (etcd: every 5 minutes). */
const REVISION_CHECK_MS = 5000;
/** Samples kept for periodic mode: one per tenth of the retention. */
const SAMPLES_MAX = 11;

/**
 * The leader's auto-compaction (etcd's --auto-compaction-mode): periodic keeps `retention` of
 * history (it samples the revision every tenth of the retention and compacts to the sample
 * taken `retention` ago); revision keeps the last N revisions. Compactions go through raft.
 */
export function startAutoCompactor(options: {
  policy: AutoCompaction;
  server: EtcdServer;
  isLeader(): boolean;
  currentRevision(): bigint;
  compactedRevision(): bigint;
  log: Logger;
}): NodeJS.Timeout {
  const { policy, server, log } = options;
  const samples: { atMs: number; revision: bigint }[] = [];
  let running = false;
  const compact = (revision: bigint) => {
    if (running || revision <= options.compactedRevision() || revision <= 0n) return;
    running = true;
    server
      .compact(etcdserverpb.CompactionRequest.fromPartial({ revision }))
      .then(
        () => log.info({ revision: revision.toString(), mode: policy.mode }, 'auto-compacted'),
        (err: unknown) => log.warn({ err: String(err), revision: revision.toString() }, 'auto-compaction failed'),
      )
      .finally(() => {
        running = false;
      });
  };
  if (policy.mode === 'revision') {
    return setInterval(() => {
      if (options.isLeader()) compact(options.currentRevision() - BigInt(policy.retentionRevisions));
    }, REVISION_CHECK_MS);
  }
  const stepMs = Math.max(100, Math.floor(policy.retentionMs / 10));
  return setInterval(() => {
    const now = Date.now();
    samples.push({ atMs: now, revision: options.currentRevision() });
    while (samples.length > SAMPLES_MAX) samples.shift();
    if (!options.isLeader()) return;
    const old = samples.filter((s) => now - s.atMs >= policy.retentionMs).at(-1);
    if (old) compact(old.revision);
  }, stepMs);
}
