import type { KeyValue, RangeOptions, SortOrder, SortTarget } from '../kv-types.js';
import type { TxnOpResult } from '../txn.js';
import { type CliContext, CliError, EXIT, requireFormat } from './context.js';
import { goJson, omitEmpty } from './go-format.js';
import { headerJson, kvJson, rangeJson, txnOpJson } from './json-shapes.js';
import { parseTxn, TxnSyntaxError } from './txn-parse.js';

export interface GetFlags {
  prefix?: boolean;
  fromKey?: boolean;
  limit?: string;
  sortBy?: string;
  order?: string;
  rev?: string;
  keysOnly?: boolean;
  countOnly?: boolean;
  printValueOnly?: boolean;
  consistency?: string;
}

const SORT_TARGETS: Record<string, SortTarget> = {
  KEY: 'key',
  VERSION: 'version',
  CREATE: 'create',
  MODIFY: 'mod',
  VALUE: 'value',
};

function kvLines(kv: KeyValue, valueOnly = false): string {
  return valueOnly ? `${kv.valueString}\n` : `${kv.keyString}\n${kv.valueString}\n`;
}

export async function getCommand(
  ctx: CliContext,
  key: string,
  rangeEnd: string | undefined,
  flags: GetFlags,
): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  if (flags.prefix && flags.fromKey)
    throw new CliError('`--prefix` and `--from-key` cannot be set at the same time, choose one', EXIT.badArgs);
  const options: RangeOptions = {
    prefix: flags.prefix ?? false,
    fromKey: flags.fromKey ?? false,
    keysOnly: flags.keysOnly ?? false,
    countOnly: flags.countOnly ?? false,
    serializable: flags.consistency === 's',
  };
  if (rangeEnd !== undefined) options.rangeEnd = rangeEnd;
  if (flags.limit) options.limit = BigInt(flags.limit);
  if (flags.rev) options.revision = BigInt(flags.rev);
  if (flags.sortBy || flags.order) {
    const target = SORT_TARGETS[(flags.sortBy ?? 'KEY').toUpperCase()];
    if (!target) throw new CliError(`bad sort target ${flags.sortBy}`, EXIT.badArgs);
    const order = (flags.order ?? 'ASCEND').toUpperCase();
    if (order !== 'ASCEND' && order !== 'DESCEND') throw new CliError(`bad sort order ${flags.order}`, EXIT.badArgs);
    options.sortTarget = target;
    options.sortOrder = order.toLowerCase() as SortOrder;
  }
  const result = await ctx.client().get(key, options);
  if (ctx.format === 'json') {
    ctx.out(`${goJson(rangeJson(result))}\n`);
    return EXIT.ok;
  }
  if (flags.countOnly) {
    ctx.out(`${result.count}\n`);
    return EXIT.ok;
  }
  for (const kv of result.kvs) ctx.out(flags.keysOnly ? `${kv.keyString}\n\n` : kvLines(kv, flags.printValueOnly));
  return EXIT.ok;
}

export async function putCommand(
  ctx: CliContext,
  key: string,
  value: string | undefined,
  flags: { lease?: string; prevKv?: boolean; ignoreValue?: boolean; ignoreLease?: boolean },
): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  let body = value;
  if (body === undefined && !flags.ignoreValue) body = (await ctx.readStdin()).replace(/\n$/, '');
  if (body === undefined && !flags.ignoreValue)
    throw new CliError('put command needs 1 argument and input from stdin or 2 arguments', EXIT.badArgs);
  const result = await ctx.client().put(key, body ?? '', {
    ...(flags.lease ? { lease: parseLeaseId(flags.lease) } : {}),
    prevKv: flags.prevKv ?? false,
    ignoreValue: flags.ignoreValue ?? false,
    ignoreLease: flags.ignoreLease ?? false,
  });
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson(omitEmpty({ header: headerJson(result.header), prev_kv: result.prevKv ? kvJson(result.prevKv) : undefined }))}\n`,
    );
    return EXIT.ok;
  }
  ctx.out('OK\n');
  if (flags.prevKv && result.prevKv) ctx.out(kvLines(result.prevKv));
  return EXIT.ok;
}

export async function delCommand(
  ctx: CliContext,
  key: string,
  rangeEnd: string | undefined,
  flags: { prefix?: boolean; prevKv?: boolean; fromKey?: boolean },
): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  const result = await ctx.client().delete(key, {
    prefix: flags.prefix ?? false,
    fromKey: flags.fromKey ?? false,
    prevKv: flags.prevKv ?? false,
    ...(rangeEnd !== undefined ? { rangeEnd } : {}),
  });
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson(omitEmpty({ header: headerJson(result.header), deleted: result.deleted, prev_kvs: result.prevKvs.map(kvJson) }))}\n`,
    );
    return EXIT.ok;
  }
  ctx.out(`${result.deleted}\n`);
  for (const kv of result.prevKvs) ctx.out(kvLines(kv));
  return EXIT.ok;
}

function opSimple(op: TxnOpResult): string {
  switch (op.type) {
    case 'range':
      return op.range.kvs.map((kv) => kvLines(kv)).join('');
    case 'put':
      return `OK\n${op.put.prevKv ? kvLines(op.put.prevKv) : ''}`;
    case 'delete':
      return `${op.delete.deleted}\n${op.delete.prevKvs.map((kv) => kvLines(kv)).join('')}`;
    case 'txn':
      return op.txn.succeeded ? 'SUCCESS\n' : 'FAILURE\n';
  }
}

export async function txnCommand(ctx: CliContext, flags: { interactive?: boolean }): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  if (flags.interactive) ctx.err('compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n');
  let parsed: ReturnType<typeof parseTxn>;
  try {
    parsed = parseTxn(await ctx.readStdin());
  } catch (err) {
    if (err instanceof TxnSyntaxError) throw new CliError(err.message, EXIT.badArgs);
    throw err;
  }
  const result = await ctx
    .client()
    .txn()
    .if(...parsed.compares)
    .andThen(...parsed.success)
    .orElse(...parsed.failure)
    .commit();
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson(omitEmpty({ header: headerJson(result.header), succeeded: result.succeeded, responses: result.responses.map(txnOpJson) }))}\n`,
    );
    return EXIT.ok;
  }
  ctx.out(result.succeeded ? 'SUCCESS\n' : 'FAILURE\n');
  for (const op of result.responses) ctx.out(`\n${opSimple(op)}`);
  return EXIT.ok;
}

export async function compactionCommand(
  ctx: CliContext,
  revision: string,
  flags: { physical?: boolean },
): Promise<number> {
  if (!/^\d+$/.test(revision)) throw new CliError(`bad revision ${revision}`, EXIT.badArgs);
  await ctx.client().compact(BigInt(revision), { physical: flags.physical ?? false, timeoutMs: 60_000 });
  ctx.out(`compacted revision ${revision}\n`);
  return EXIT.ok;
}

/** Lease ids are given in hex on etcdctl's command line. */
export function parseLeaseId(text: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text))
    throw new CliError(`bad lease ID arg (${text}), expecting ID in Hex`, EXIT.badArgs);
  return BigInt.asIntN(64, BigInt(`0x${text}`));
}
