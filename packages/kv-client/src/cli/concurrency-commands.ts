import { spawn } from 'node:child_process';
import { Election, observeElection } from '../concurrency/election.js';
import { Mutex } from '../concurrency/mutex.js';
import { Session } from '../concurrency/session.js';
import { type CliContext, CliError, EXIT } from './context.js';

function untilInterruptOrLoss(ctx: CliContext, session: Session): Promise<'interrupted' | 'lost'> {
  return new Promise((resolve) => {
    if (ctx.interrupt.aborted) return resolve('interrupted');
    ctx.interrupt.addEventListener('abort', () => resolve('interrupted'), { once: true });
    void session.lost.then(() => resolve('lost'));
  });
}

/** `lock NAME [cmd...]`: holds the lock until interrupted, or while `cmd` runs. */
export async function lockCommand(
  ctx: CliContext,
  name: string,
  command: string[],
  flags: { ttl?: string },
): Promise<number> {
  const client = ctx.client();
  const session = await Session.create(client, { ttlSeconds: Number(flags.ttl ?? '10') });
  try {
    const mutex = new Mutex(session, name);
    await mutex.lock({ signal: ctx.interrupt });
    if (command.length > 0) {
      const [program, ...args] = command;
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn(program!, args, {
          env: {
            ...ctx.env,
            ETCD_LOCK_KEY: mutex.key,
            ETCD_LOCK_REV: String(mutex.header?.revision ?? mutex.revision),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (d: Buffer) => ctx.out(d.toString()));
        child.stderr.on('data', (d: Buffer) => ctx.err(d.toString()));
        child.once('error', reject);
        child.once('close', (exitCode) => resolve(exitCode ?? 1));
      });
      await mutex.unlock();
      if (code !== 0) throw new CliError(`exit status ${code}`);
      return EXIT.ok;
    }
    const kv = await client.getKv(mutex.key);
    ctx.out(`${mutex.key}\n${kv?.valueString ?? ''}\n`);
    const why = await untilInterruptOrLoss(ctx, session);
    if (why === 'lost') throw new CliError('session expired');
    await mutex.unlock();
    return EXIT.ok;
  } finally {
    await session.close();
  }
}

/** `elect NAME PROPOSAL` campaigns and leads until interrupted; `elect -l NAME` prints every leader. */
export async function electCommand(
  ctx: CliContext,
  name: string,
  proposal: string | undefined,
  flags: { listen?: boolean },
): Promise<number> {
  const client = ctx.client();
  if (flags.listen) {
    for await (const leader of observeElection(client, name, { signal: ctx.interrupt })) {
      ctx.out(`${leader.keyString}\n${leader.valueString}\n`);
    }
    return EXIT.ok;
  }
  if (proposal === undefined) throw new CliError('no proposal argument but -l not set', EXIT.badArgs);
  const session = await Session.create(client, { ttlSeconds: 60 });
  try {
    const election = new Election(session, name);
    await election.campaign(proposal, { signal: ctx.interrupt });
    const leader = await election.leader();
    ctx.out(`${leader.keyString}\n${leader.valueString}\n`);
    const why = await untilInterruptOrLoss(ctx, session);
    if (why === 'lost') throw new CliError('session expired');
    await election.resign();
    return EXIT.ok;
  } finally {
    await session.close();
  }
}
