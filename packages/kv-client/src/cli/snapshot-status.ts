import { readFile } from 'node:fs/promises';
import { BoltFormatError, snapshotStatus } from './bolt-reader.js';
import { type CliContext, CliError, EXIT, requireFormat } from './context.js';
import { goJson, humanizeBytes, table } from './go-format.js';

/** `snapshot status FILE`: offline, from an etcd (bbolt) snapshot file. */
export async function snapshotStatusCommand(ctx: CliContext, path: string): Promise<number> {
  requireFormat(ctx, ['simple', 'json', 'table']);
  let status: ReturnType<typeof snapshotStatus>;
  try {
    status = snapshotStatus(await readFile(path));
  } catch (err) {
    if (err instanceof BoltFormatError || err instanceof RangeError) {
      throw new CliError(`${path} is not an etcd (bbolt) snapshot: ${err.message}`, EXIT.error);
    }
    throw err;
  }
  const hash = status.hash.toString(16);
  if (ctx.format === 'json') {
    ctx.out(
      `${goJson({ hash: status.hash, revision: status.revision, totalKey: status.totalKey, totalSize: status.totalSize })}\n`,
    );
  } else if (ctx.format === 'table') {
    ctx.out(
      table(
        ['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'],
        [[hash, String(status.revision), String(status.totalKey), humanizeBytes(status.totalSize)]],
      ),
    );
  } else {
    ctx.out(`${hash}, ${status.revision}, ${status.totalKey}, ${humanizeBytes(status.totalSize)}\n`);
  }
  return EXIT.ok;
}
