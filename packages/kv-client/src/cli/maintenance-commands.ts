import type { Alarm } from '../maintenance.js';
import { type CliContext, CliError, EXIT, requireFormat } from './context.js';
import { goJson, omitEmpty, table } from './go-format.js';
import { headerJson } from './json-shapes.js';

/** `endpoint hashkv [--rev N] [--cluster]`: the MVCC hash of each member (equal on a healthy cluster). */
export async function endpointHashKv(ctx: CliContext, flags: { rev?: string; cluster?: boolean }): Promise<number> {
  requireFormat(ctx, ['simple', 'json', 'table']);
  const endpoints = flags.cluster
    ? (await ctx.client().cluster.memberList()).members.flatMap((m) => m.clientUrls)
    : ctx.endpoints;
  const revision = flags.rev ? BigInt(flags.rev) : 0n;
  const client = ctx.client();
  const results = [];
  for (const endpoint of endpoints) {
    try {
      results.push({ endpoint, hash: await client.maintenance.hashKv(revision, { endpoint }) });
    } catch (err) {
      ctx.err(`Failed to get the hash of endpoint ${endpoint} (${(err as Error).message})\n`);
    }
  }
  if (ctx.format === 'json') {
    const rows = results.map((r) => ({
      Endpoint: r.endpoint,
      HashKV: omitEmpty({
        header: headerJson(r.hash.header),
        hash: r.hash.hash,
        compact_revision: r.hash.compactRevision,
      }),
    }));
    ctx.out(`${goJson(rows)}\n`);
  } else if (ctx.format === 'table') {
    ctx.out(
      table(
        ['ENDPOINT', 'HASH'],
        results.map((r) => [r.endpoint, String(r.hash.hash)]),
      ),
    );
  } else {
    for (const r of results) ctx.out(`${r.endpoint}, ${r.hash.hash}\n`);
  }
  if (results.length < endpoints.length) throw new CliError('some endpoints failed to answer hashkv', EXIT.error);
  return EXIT.ok;
}

const ALARM_NAMES = { none: 'NONE', nospace: 'NOSPACE', corrupt: 'CORRUPT' } as const;
const ALARM_NUMBERS = { none: 0, nospace: 1, corrupt: 2 } as const;

function printAlarms(ctx: CliContext, alarms: Alarm[]): void {
  if (ctx.format === 'json') {
    const list = alarms.map((a) => omitEmpty({ memberID: a.memberId, alarm: ALARM_NUMBERS[a.alarm] }));
    ctx.out(`${goJson(omitEmpty({ alarms: list }))}\n`);
    return;
  }
  for (const a of alarms) ctx.out(`memberID:${BigInt.asUintN(64, a.memberId)} alarm:${ALARM_NAMES[a.alarm]} \n`);
}

export async function alarmList(ctx: CliContext): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  printAlarms(ctx, await ctx.client().maintenance.alarmList());
  return EXIT.ok;
}

export async function alarmDisarm(ctx: CliContext): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  printAlarms(ctx, await ctx.client().maintenance.alarmDisarm());
  return EXIT.ok;
}
