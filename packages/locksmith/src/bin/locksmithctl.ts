#!/usr/bin/env node
// locksmithctl: locksmith's semaphore, directly on kv. Flags fall back to LOCKSMITHCTL_* variables.
import './quiet-warnings.js';
import { envOption, runCommand } from '@coreos-ts/grpc-kit';
import { Command } from 'commander';
import { SemaphoreClient } from '../client/semaphore-client.js';
import { DEFAULT_GROUP } from '../semaphore/keys.js';
import { KvSemaphoreStore } from '../store/kv-semaphore-store.js';
import { addKvOptions, type KvFlags, kvClientFrom, readMachineId } from './kv-options.js';
import { formatStatus } from './status-format.js';

const P = 'LOCKSMITHCTL';

interface GlobalFlags extends KvFlags {
  group?: string;
}

const program = new Command('locksmithctl').description("Manage locksmith's reboot semaphore in kv");
addKvOptions(program, P).addOption(envOption(P, '--group <name>', 'locksmith group (default: the default group)'));

/** Runs `fn` with a client for the global flags; errors print `<prefix>: <message>` and exit 1. */
async function withClient(errorPrefix: string, fn: (client: SemaphoreClient, group: string) => Promise<void>) {
  const flags = program.opts<GlobalFlags>();
  const kv = kvClientFrom(flags);
  try {
    await fn(new SemaphoreClient({ store: new KvSemaphoreStore({ client: kv }) }), flags.group ?? DEFAULT_GROUP);
  } catch (err) {
    process.stderr.write(`${errorPrefix}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    kv.close();
  }
}

program
  .command('status')
  .description('show the semaphore: free slots, max, holders')
  .action(() =>
    withClient('Error', async (client, group) => {
      process.stdout.write(formatStatus(await client.status(group)));
    }),
  );

program
  .command('lock [machine-id]')
  .description('take a slot for this machine (or the given id)')
  .action((id: string | undefined) =>
    withClient('Error locking', async (client, group) => {
      await client.lock(id ?? readMachineId(), group);
    }),
  );

program
  .command('unlock [machine-id]')
  .description("give this machine's slot back (or the given id's: clears a dead machine's lock)")
  .action((id: string | undefined) =>
    withClient('Error unlocking', async (client, group) => {
      await client.unlock(id ?? readMachineId(), group);
    }),
  );

program
  .command('set-max <max>')
  .description('set how many machines may hold the semaphore at once')
  .action((text: string) => {
    const max = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(max)) {
      process.stderr.write(`Error: max ("${text}") must be a non-negative integer\n`);
      process.exitCode = 2;
      return;
    }
    return withClient('Error setting max', async (client, group) => {
      const result = await client.setMax(max, group);
      process.stdout.write(`Old-Max: ${result.oldMax}\nMax: ${result.max}\n`);
    });
  });

await runCommand(program);
