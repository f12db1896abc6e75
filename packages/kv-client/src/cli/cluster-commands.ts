import { open as openFile, rename } from 'node:fs/promises';
import type { Member } from '../cluster.js';
import { PermissionDeniedError } from '../errors.js';
import type { StatusResult } from '../maintenance.js';
import { type CliContext, CliError, EXIT, requireFormat } from './context.js';
import { goDuration, goJson, hexIdSpaced, humanizeBytes, table } from './go-format.js';
import { headerJson, memberJson, statusJson } from './json-shapes.js';

function memberRow(m: Member): string[] {
  return [
    BigInt.asUintN(64, m.id).toString(16),
    m.name === '' ? 'unstarted' : 'started',
    m.name,
    m.peerUrls.join(','),
    m.clientUrls.join(','),
    String(m.isLearner),
  ];
}

export async function memberList(ctx: CliContext): Promise<number> {
  requireFormat(ctx, ['simple', 'json', 'table']);
  const r = await ctx.client().cluster.memberList();
  if (ctx.format === 'json')
    ctx.out(`${goJson({ header: headerJson(r.header), members: r.members.map(memberJson) })}\n`);
  else if (ctx.format === 'table') {
    ctx.out(table(['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'], r.members.map(memberRow)));
  } else for (const m of r.members) ctx.out(`${memberRow(m).join(', ')}\n`);
  return EXIT.ok;
}

function parseMemberId(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text))
    throw new CliError(`bad member ID arg (${text}), expecting ID in Hex`, EXIT.badArgs);
  return BigInt(`0x${text}`);
}

export async function memberAdd(
  ctx: CliContext,
  name: string,
  flags: { peerUrls?: string; learner?: boolean },
): Promise<number> {
  if (!flags.peerUrls) throw new CliError('member peer urls not provided', EXIT.badArgs);
  const peerUrls = flags.peerUrls
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const r = await ctx.client().cluster.memberAdd(peerUrls, { learner: flags.learner ?? false });
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson({ header: headerJson(r.header), member: memberJson(r.member), members: r.members.map(memberJson) })}\n`,
    );
    return EXIT.ok;
  }
  ctx.out(`Member ${hexIdSpaced(r.member.id)} added to cluster ${hexIdSpaced(r.header.clusterId)}\n`);
  const initial: string[] = [];
  for (const m of r.members) {
    const memberName = m.id === r.member.id ? name : m.name;
    for (const url of m.peerUrls) initial.push(`${memberName}=${url}`);
  }
  ctx.out(
    `\nETCD_NAME="${name}"\nETCD_INITIAL_CLUSTER="${initial.join(',')}"\n` +
      `ETCD_INITIAL_ADVERTISE_PEER_URLS="${peerUrls.join(',')}"\nETCD_INITIAL_CLUSTER_STATE="existing"\n`,
  );
  return EXIT.ok;
}

export async function memberRemove(ctx: CliContext, id: string): Promise<number> {
  const memberId = parseMemberId(id);
  const r = await ctx.client().cluster.memberRemove(memberId);
  if (ctx.format === 'json')
    ctx.out(`${goJson({ header: headerJson(r.header), members: r.members.map(memberJson) })}\n`);
  else ctx.out(`Member ${hexIdSpaced(memberId)} removed from cluster ${hexIdSpaced(r.header.clusterId)}\n`);
  return EXIT.ok;
}

export async function memberPromote(ctx: CliContext, id: string): Promise<number> {
  const memberId = parseMemberId(id);
  const r = await ctx.client().cluster.memberPromote(memberId);
  if (ctx.format === 'json')
    ctx.out(`${goJson({ header: headerJson(r.header), members: r.members.map(memberJson) })}\n`);
  else ctx.out(`Member ${hexIdSpaced(memberId)} promoted in cluster ${hexIdSpaced(r.header.clusterId)}\n`);
  return EXIT.ok;
}

/** The endpoints a per-member command addresses: the given ones, or with --cluster every member's client URLs. */
async function targetEndpoints(ctx: CliContext, cluster: boolean | undefined): Promise<string[]> {
  if (!cluster) return ctx.endpoints;
  const r = await ctx.client().cluster.memberList();
  return r.members.flatMap((m) => m.clientUrls);
}

export async function endpointHealth(ctx: CliContext, flags: { cluster?: boolean }): Promise<number> {
  requireFormat(ctx, ['simple', 'json', 'table']);
  const endpoints = await targetEndpoints(ctx, flags.cluster);
  const results = await Promise.all(
    endpoints.map(async (endpoint) => {
      const client = ctx.clientFor([endpoint]);
      const started = process.hrtime.bigint();
      let error = '';
      try {
        await client.get('health');
      } catch (err) {
        // permission denied is fine: the request went through consensus
        if (!(err instanceof PermissionDeniedError)) error = err instanceof Error ? err.message : String(err);
      } finally {
        client.close();
      }
      return { endpoint, health: error === '', took: goDuration(process.hrtime.bigint() - started), error };
    }),
  );
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson(results.map((r) => ({ endpoint: r.endpoint, health: r.health, took: r.took, ...(r.error ? { error: r.error } : {}) })))}\n`,
    );
  } else if (ctx.format === 'table') {
    ctx.out(
      table(
        ['ENDPOINT', 'HEALTH', 'TOOK', 'ERROR'],
        results.map((r) => [r.endpoint, String(r.health), r.took, r.error]),
      ),
    );
  } else {
    for (const r of results) {
      if (r.health) ctx.err(`${r.endpoint} is healthy: successfully committed proposal: took = ${r.took}\n`);
      else ctx.err(`${r.endpoint} is unhealthy: failed to commit proposal: ${r.error}\n`);
    }
  }
  if (results.some((r) => !r.health)) throw new CliError('unhealthy cluster');
  return EXIT.ok;
}

function statusRow(endpoint: string, s: StatusResult): string[] {
  return [
    endpoint,
    BigInt.asUintN(64, s.header.memberId).toString(16),
    s.version,
    humanizeBytes(s.dbSize),
    String(s.leader === s.header.memberId),
    String(s.isLearner),
    String(s.raftTerm),
    String(s.raftIndex),
    String(s.raftAppliedIndex),
    s.errors.join(', '),
  ];
}

export async function endpointStatus(ctx: CliContext, flags: { cluster?: boolean }): Promise<number> {
  requireFormat(ctx, ['simple', 'json', 'table']);
  const endpoints = await targetEndpoints(ctx, flags.cluster);
  const client = ctx.client();
  const statuses: { endpoint: string; status: StatusResult }[] = [];
  let failed = false;
  for (const endpoint of endpoints) {
    try {
      statuses.push({ endpoint, status: await client.maintenance.status({ endpoint }) });
    } catch (err) {
      failed = true;
      ctx.err(`Failed to get the status of endpoint ${endpoint} (${(err as Error).message})\n`);
    }
  }
  if (ctx.format === 'json') {
    ctx.out(`${goJson(statuses.map((s) => ({ Endpoint: s.endpoint, Status: statusJson(s.status) })))}\n`);
  } else if (ctx.format === 'table') {
    ctx.out(
      table(
        [
          'ENDPOINT',
          'ID',
          'VERSION',
          'DB SIZE',
          'IS LEADER',
          'IS LEARNER',
          'RAFT TERM',
          'RAFT INDEX',
          'RAFT APPLIED INDEX',
          'ERRORS',
        ],
        statuses.map((s) => statusRow(s.endpoint, s.status)),
      ),
    );
  } else for (const s of statuses) ctx.out(`${statusRow(s.endpoint, s.status).join(', ')}\n`);
  if (failed) throw new CliError('some endpoints failed to answer status', EXIT.error);
  return EXIT.ok;
}

export async function defragCommand(ctx: CliContext, flags: { cluster?: boolean }): Promise<number> {
  const endpoints = await targetEndpoints(ctx, flags.cluster);
  const client = ctx.client();
  let failed = false;
  for (const endpoint of endpoints) {
    try {
      await client.maintenance.defragment({ endpoint });
      ctx.out(`Finished defragmenting etcd member[${endpoint}]\n`);
    } catch (err) {
      failed = true;
      ctx.err(`Failed to defragment etcd member[${endpoint}] (${(err as Error).message})\n`);
    }
  }
  return failed ? EXIT.error : EXIT.ok;
}

export async function snapshotSave(ctx: CliContext, path: string): Promise<number> {
  if (ctx.endpoints.length !== 1) {
    throw new CliError(
      `snapshot must be requested to one selected node, not multiple [${ctx.endpoints.join(' ')}]`,
      EXIT.badArgs,
    );
  }
  const partial = `${path}.part`;
  const file = await openFile(partial, 'w', 0o600);
  try {
    for await (const chunk of ctx.client().maintenance.snapshot({ endpoint: ctx.endpoints[0]! }))
      await file.write(chunk);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(partial, path);
  ctx.out(`Snapshot saved at ${path}\n`);
  return EXIT.ok;
}

export interface SnapshotRestoreOptions {
  dataDir?: string;
  name: string;
  initialCluster: string;
  initialClusterToken: string;
  initialAdvertisePeerUrls: string;
}

/**
 * Turns a kvd snapshot file into the data dir of a member of a new cluster. kvd's on-disk
 * format lives in @coreos-ts/kv, loaded only for this command.
 */
export async function snapshotRestore(ctx: CliContext, file: string, o: SnapshotRestoreOptions): Promise<number> {
  const kv = await import('@coreos-ts/kv');
  const dataDir = o.dataDir ?? `${o.name}.etcd`;
  try {
    await kv.restoreDataDir({
      snapshotFile: file,
      dataDir,
      name: o.name,
      initialCluster: kv.parseInitialCluster(o.initialCluster),
      initialClusterToken: o.initialClusterToken,
      initialAdvertisePeerUrls: o.initialAdvertisePeerUrls.split(',').map((u) => new URL(u).origin),
    });
  } catch (err) {
    throw new CliError(`snapshot restore: ${(err as Error).message}`, EXIT.error);
  }
  ctx.out(`restored snapshot ${file} into ${dataDir}\n`);
  return EXIT.ok;
}

export async function moveLeader(ctx: CliContext, target: string): Promise<number> {
  const targetId = parseMemberId(target);
  const client = ctx.client();
  const moved = await client.maintenance.moveLeader(targetId, { endpoints: ctx.endpoints });
  const id = (value: bigint) => BigInt.asUintN(64, value).toString(16);
  ctx.out(`Leadership transferred from ${id(moved.previousLeader)} to ${id(targetId)}\n`);
  return EXIT.ok;
}
