import { KvError } from '../errors.js';
import type { Header } from '../kv-types.js';
import { type CliContext, CliError, EXIT, requireFormat } from './context.js';
import { goJson, hexId } from './go-format.js';
import { headerJson } from './json-shapes.js';
import { parseLeaseId } from './kv-commands.js';

function flatHeader(header: Header): Record<string, unknown> {
  return headerJson(header);
}

export async function leaseGrant(ctx: CliContext, ttl: string): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  if (!/^\d+$/.test(ttl)) throw new CliError(`bad TTL (${ttl})`, EXIT.badArgs);
  const r = await ctx.client().lease.grant(BigInt(ttl));
  if (ctx.format === 'json')
    ctx.out(`${goJson({ ...flatHeader(r.header), ID: r.id, TTL: r.ttlSeconds, Error: '' })}\n`);
  else ctx.out(`lease ${hexId(r.id)} granted with TTL(${r.ttlSeconds}s)\n`);
  return EXIT.ok;
}

export async function leaseRevoke(ctx: CliContext, id: string): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  const leaseId = parseLeaseId(id);
  let header: Header;
  try {
    header = await ctx.client().lease.revoke(leaseId);
  } catch (err) {
    if (err instanceof KvError) throw new CliError(`failed to revoke lease (${err.message})`);
    throw err;
  }
  if (ctx.format === 'json') ctx.out(`${goJson({ header: flatHeader(header) })}\n`);
  else ctx.out(`lease ${hexId(leaseId)} revoked\n`);
  return EXIT.ok;
}

export async function leaseTimeToLive(ctx: CliContext, id: string, flags: { keys?: boolean }): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  const r = await ctx.client().lease.timeToLive(parseLeaseId(id), { keys: flags.keys ?? false });
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson({
        ...flatHeader(r.header),
        id: r.id,
        ttl: r.ttlSeconds,
        'granted-ttl': r.grantedTtlSeconds,
        keys: r.keys.length > 0 ? r.keys.map((k) => k.toString('base64')) : null,
      })}\n`,
    );
    return EXIT.ok;
  }
  if (r.grantedTtlSeconds === 0n && r.ttlSeconds === -1n) {
    ctx.out(`lease ${hexId(r.id)} already expired\n`);
    return EXIT.ok;
  }
  let text = `lease ${hexId(r.id)} granted with TTL(${r.grantedTtlSeconds}s), remaining(${r.ttlSeconds}s)`;
  if (flags.keys) text += `, attached keys([${r.keys.map((k) => k.toString()).join(' ')}])`;
  ctx.out(`${text}\n`);
  return EXIT.ok;
}

export async function leaseList(ctx: CliContext): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  const r = await ctx.client().lease.leases();
  if (ctx.format === 'json') {
    ctx.out(`${goJson({ ...flatHeader(r.header), leases: r.ids.map((id) => ({ id })) })}\n`);
    return EXIT.ok;
  }
  ctx.out(`found ${r.ids.length} leases\n`);
  for (const id of r.ids) ctx.out(`${hexId(id)}\n`);
  return EXIT.ok;
}

/** Renews until interrupted (or once with --once); stops when the lease is gone. */
export async function leaseKeepAlive(ctx: CliContext, id: string, flags: { once?: boolean }): Promise<number> {
  requireFormat(ctx, ['simple', 'json']);
  const leaseId = parseLeaseId(id);
  const client = ctx.client();
  for (;;) {
    const r = await client.lease.keepAliveOnce(leaseId, { signal: ctx.interrupt });
    if (r.ttlSeconds <= 0n) {
      ctx.out(`lease ${hexId(leaseId)} expired or revoked.\n`);
      return EXIT.ok;
    }
    if (ctx.format === 'json') ctx.out(`${goJson({ ...flatHeader(r.header), ID: r.id, TTL: r.ttlSeconds })}\n`);
    else ctx.out(`lease ${hexId(r.id)} keepalived with TTL(${r.ttlSeconds})\n`);
    if (flags.once) return EXIT.ok;
    const waitMs = Math.max(500, (Number(r.ttlSeconds) * 1000) / 3);
    const interrupted = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), waitMs);
      ctx.interrupt.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (interrupted) return EXIT.ok;
  }
}
