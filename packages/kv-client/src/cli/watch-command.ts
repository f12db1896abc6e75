import { CompactedError } from '../errors.js';
import type { WatchBatch } from '../watch/watch-types.js';
import { type CliContext, CliError, EXIT, requireFormat } from './context.js';
import { goJson } from './go-format.js';
import { eventJson, headerJson } from './json-shapes.js';

export interface WatchFlags {
  prefix?: boolean;
  rev?: string;
  prevKv?: boolean;
}

function batchSimple(batch: WatchBatch, prevKv: boolean): string {
  let out = '';
  for (const event of batch.events) {
    out += `${event.type === 'delete' ? 'DELETE' : 'PUT'}\n`;
    if (prevKv && event.prevKv) out += `${event.prevKv.keyString}\n${event.prevKv.valueString}\n`;
    out += `${event.kv.keyString}\n${event.kv.valueString}\n`;
  }
  return out;
}

function batchJson(batch: WatchBatch): string {
  return `${goJson({
    Header: headerJson(batch.header),
    Events: batch.events.map(eventJson),
    CompactRevision: 0,
    Canceled: false,
    Created: false,
  })}\n`;
}

/** Prints events until interrupted; a compacted start (or resume) ends it like etcdctl: exit 5. */
export async function watchCommand(
  ctx: CliContext,
  key: string,
  rangeEnd: string | undefined,
  flags: WatchFlags,
): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  const watcher = ctx.client().watch(key, {
    prefix: flags.prefix ?? false,
    prevKv: flags.prevKv ?? false,
    signal: ctx.interrupt,
    ...(rangeEnd !== undefined ? { rangeEnd } : {}),
    ...(flags.rev ? { startRevision: BigInt(flags.rev) } : {}),
  });
  try {
    for await (const batch of watcher) {
      if (batch.events.length === 0) continue;
      ctx.out(ctx.format === 'json' ? batchJson(batch) : batchSimple(batch, flags.prevKv ?? false));
    }
  } catch (err) {
    if (err instanceof CompactedError) {
      ctx.out('watch was canceled (etcdserver: mvcc: required revision has been compacted)\n');
      throw new CliError('watch is canceled by the server', EXIT.interrupted);
    }
    throw err;
  }
  return EXIT.interrupted;
}
