import type { Command } from 'commander';
import {
  defragCommand,
  endpointHealth,
  endpointStatus,
  memberAdd,
  memberList,
  memberPromote,
  memberRemove,
  moveLeader,
  snapshotRestore,
  snapshotSave,
} from '../cli/cluster-commands.js';
import { electCommand, lockCommand } from '../cli/concurrency-commands.js';
import type { CliContext } from '../cli/context.js';
import { compactionCommand, delCommand, getCommand, putCommand, txnCommand } from '../cli/kv-commands.js';
import { leaseGrant, leaseKeepAlive, leaseList, leaseRevoke, leaseTimeToLive } from '../cli/lease-commands.js';
import { alarmDisarm, alarmList, endpointHashKv } from '../cli/maintenance-commands.js';
import { snapshotStatusCommand } from '../cli/snapshot-status.js';
import { watchCommand } from '../cli/watch-command.js';

/** Wraps a command function into a commander action that records its exit code. */
export type Run = <A extends unknown[]>(
  fn: (ctx: CliContext, ...a: A) => Promise<number>,
) => (...a: A) => Promise<void>;

/** get, put, del, txn, compaction, watch: etcdctl's key-value commands. */
export function registerKvCommands(program: Command, run: Run): void {
  program
    .command('get')
    .description('Gets the key or a range of keys')
    .argument('<key>')
    .argument('[range_end]')
    .option('--prefix', 'Get keys with matching prefix')
    .option('--from-key', 'Get keys that are greater than or equal to the given key using byte compare')
    .option('--limit <n>', 'Maximum number of results')
    .option('--sort-by <target>', 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION')
    .option('--order <order>', 'Order of results; ASCEND or DESCEND (ASCEND by default)')
    .option('--rev <revision>', 'Specify the kv revision')
    .option('--keys-only', 'Get only the keys')
    .option('--count-only', 'Get only the count')
    .option('--print-value-only', 'Only write values when using the "simple" output format')
    .option('--consistency <l|s>', 'Linearizable(l) or Serializable(s)', 'l')
    .action((key: string, rangeEnd: string | undefined, opts) => run((ctx) => getCommand(ctx, key, rangeEnd, opts))());
  program
    .command('put')
    .description('Puts the given key into the store')
    .argument('<key>')
    .argument('[value]')
    .option('--lease <id>', 'lease ID (in hexadecimal) to attach to the key')
    .option('--prev-kv', 'return the previous key-value pair before modification')
    .option('--ignore-value', 'updates the key using its current value')
    .option('--ignore-lease', 'updates the key using its current lease')
    .action((key: string, value: string | undefined, opts) => run((ctx) => putCommand(ctx, key, value, opts))());
  program
    .command('del')
    .description('Removes the specified key or range of keys [key, range_end)')
    .argument('<key>')
    .argument('[range_end]')
    .option('--prefix', 'delete keys with matching prefix')
    .option('--prev-kv', 'return deleted key-value pairs')
    .option('--from-key', 'delete keys that are greater than or equal to the given key using byte compare')
    .action((key: string, rangeEnd: string | undefined, opts) => run((ctx) => delCommand(ctx, key, rangeEnd, opts))());
  program
    .command('txn')
    .description('Txn processes all the requests in one transaction (read from stdin)')
    .option('-i, --interactive', 'Input transaction in interactive mode')
    .action((opts) => run((ctx) => txnCommand(ctx, opts))());
  program
    .command('compaction')
    .description('Compacts the event history in etcd')
    .argument('<revision>')
    .option('--physical', 'wait for the compaction to physically remove all old revisions')
    .action((revision: string, opts) => run((ctx) => compactionCommand(ctx, revision, opts))());
  program
    .command('watch')
    .description('Watches events stream on keys or prefixes')
    .argument('<key>')
    .argument('[range_end]')
    .option('--prefix', 'Watch on a prefix if prefix is set')
    .option('--rev <revision>', 'Revision to start watching')
    .option('--prev-kv', 'get the previous key-value pair before the event happens')
    .action((key: string, rangeEnd: string | undefined, opts) =>
      run((ctx) => watchCommand(ctx, key, rangeEnd, opts))(),
    );
}

/** lease grant | revoke | timetolive | list | keep-alive */
export function registerLeaseCommands(program: Command, run: Run): void {
  const lease = program.command('lease').description('Lease related commands');
  lease
    .command('grant')
    .argument('<ttl>')
    .description('Creates leases')
    .action((ttl: string) => run((ctx) => leaseGrant(ctx, ttl))());
  lease
    .command('revoke')
    .argument('<leaseID>')
    .description('Revokes leases')
    .action((id: string) => run((ctx) => leaseRevoke(ctx, id))());
  lease
    .command('timetolive')
    .argument('<leaseID>')
    .option('--keys', 'Get keys attached to this lease')
    .description('Get lease information')
    .action((id: string, opts) => run((ctx) => leaseTimeToLive(ctx, id, opts))());
  lease
    .command('list')
    .description('List all active leases')
    .action(() => run((ctx) => leaseList(ctx))());
  lease
    .command('keep-alive')
    .argument('<leaseID>')
    .option('--once', 'Resets the keep-alive time to its original value and exits immediately')
    .description('Keeps leases alive (renew)')
    .action((id: string, opts) => run((ctx) => leaseKeepAlive(ctx, id, opts))());
}

/** member, endpoint, defrag, move-leader, snapshot */
export function registerClusterCommands(program: Command, run: Run): void {
  const member = program.command('member').description('Membership related commands');
  member
    .command('list')
    .description('Lists all members in the cluster')
    .action(() => run((ctx) => memberList(ctx))());
  member
    .command('add')
    .argument('<memberName>')
    .option('--peer-urls <urls>', 'comma separated peer URLs for the new member')
    .option('--learner', 'indicates if the new member is raft learner')
    .description('Adds a member into the cluster')
    .action((name: string, opts) => run((ctx) => memberAdd(ctx, name, opts))());
  member
    .command('remove')
    .argument('<memberID>')
    .description('Removes a member from the cluster')
    .action((id: string) => run((ctx) => memberRemove(ctx, id))());
  member
    .command('promote')
    .argument('<memberID>')
    .description('Promotes a non-voting member in the cluster')
    .action((id: string) => run((ctx) => memberPromote(ctx, id))());

  const endpoint = program.command('endpoint').description('Endpoint related commands');
  endpoint
    .command('health')
    .option('--cluster', 'use all endpoints from the cluster member list')
    .description('Checks the healthiness of endpoints specified in `--endpoints` flag')
    .action((opts) => run((ctx) => endpointHealth(ctx, opts))());
  endpoint
    .command('status')
    .option('--cluster', 'use all endpoints from the cluster member list')
    .description('Prints out the status of endpoints specified in `--endpoints` flag')
    .action((opts) => run((ctx) => endpointStatus(ctx, opts))());

  endpoint
    .command('hashkv')
    .option('--rev <revision>', 'maximum revision to hash (default: all revisions)')
    .option('--cluster', 'use all endpoints from the cluster member list')
    .description('Prints the KV history hash for each endpoint in --endpoints')
    .action((opts) => run((ctx) => endpointHashKv(ctx, opts))());
  const alarm = program.command('alarm').description('Alarm related commands');
  alarm
    .command('list')
    .description('Lists all alarms')
    .action(() => run((ctx) => alarmList(ctx))());
  alarm
    .command('disarm')
    .description('Disarms all alarms')
    .action(() => run((ctx) => alarmDisarm(ctx))());
  program
    .command('defrag')
    .option('--cluster', 'use all endpoints from the cluster member list')
    .description('Defragments the storage of the etcd members with given endpoints')
    .action((opts) => run((ctx) => defragCommand(ctx, opts))());
  program
    .command('move-leader')
    .argument('<transferee-member-id>')
    .description('Transfers leadership to another etcd cluster member.')
    .action((id: string) => run((ctx) => moveLeader(ctx, id))());

  const snapshot = program.command('snapshot').description('Manages etcd node snapshots');
  snapshot
    .command('save')
    .argument('<filename>')
    .description('Stores an etcd node backend snapshot to a given file')
    .action((file: string) => run((ctx) => snapshotSave(ctx, file))());
  snapshot
    .command('status')
    .argument('<filename>')
    .description('Gets backend snapshot status of a given file')
    .action((file: string) => run((ctx) => snapshotStatusCommand(ctx, file))());
  snapshot
    .command('restore')
    .argument('<filename>')
    .option('--data-dir <path>', 'path to the data directory (default: <name>.etcd)')
    .option('--name <name>', 'human-readable name for this member', 'default')
    .option('--initial-cluster <members>', 'initial cluster configuration', 'default=http://localhost:2380')
    .option('--initial-cluster-token <token>', 'initial cluster token', 'etcd-cluster')
    .option('--initial-advertise-peer-urls <urls>', "this member's peer URLs", 'http://localhost:2380')
    .description('Restores a kvd snapshot into the data dir of a member of a new cluster')
    .action((file: string, opts) => run((ctx) => snapshotRestore(ctx, file, opts))());
}

/** lock and elect, with clientv3's recipes (interoperable with etcdctl's). */
export function registerConcurrencyCommands(program: Command, run: Run): void {
  program
    .command('lock')
    .argument('<lockname>')
    .argument('[command...]')
    .option('--ttl <seconds>', 'timeout for session', '10')
    .description('Acquires a named lock')
    .action((name: string, command: string[], opts) => run((ctx) => lockCommand(ctx, name, command, opts))());
  program
    .command('elect')
    .argument('<election-name>')
    .argument('[proposal]')
    .option('-l, --listen', 'observation mode')
    .description('Observes and participates in leader election')
    .action((name: string, proposal: string | undefined, opts) =>
      run((ctx) => electCommand(ctx, name, proposal, opts))(),
    );
}
