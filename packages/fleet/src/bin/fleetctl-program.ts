/**
 * fleetctl's commands over the fleet.v1.Fleet API, with injected output so tests run them in
 * process (flags fall back to FLEETCTL_* from the process environment). Exit codes: 0 ok,
 * 1 a command failed, 2 bad arguments.
 */
import { envOption, parseList } from '@coreos-ts/grpc-kit';
import { fleetpb } from '@coreos-ts/proto';
import { Command, CommanderError, Option } from 'commander';
import { FleetApiClient } from '../api/fleet-api-client.js';
import {
  type BlockOptions,
  type Ctx,
  destroy,
  type FleetctlIo,
  journal,
  type ListOptions,
  listMachines,
  listUnitFiles,
  listUnits,
  lower,
  status,
  submit,
  UsageError,
} from './fleetctl-commands.js';
import { unitText } from './fleetctl-format.js';

export type { FleetctlIo } from './fleetctl-commands.js';

const S = fleetpb.UnitState;

export async function runFleetctl(argv: readonly string[], io: FleetctlIo): Promise<number> {
  let api: FleetApiClient | undefined;
  const ctx = (): Ctx => {
    const o = program.opts<{ endpoint: string; requestTimeout: string }>();
    api ??= new FleetApiClient({
      endpoints: parseList(o.endpoint),
      requestTimeoutMs: Math.round(Number(o.requestTimeout) * 1000),
    });
    return { api, io };
  };
  const program = buildProgram(ctx, io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof UsageError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    io.err(`Error: ${(err as Error).message}\n`);
    return 1;
  } finally {
    api?.close();
  }
}

function buildProgram(ctx: () => Ctx, io: FleetctlIo): Command {
  const program = new Command('fleetctl')
    .description('control a fleet cluster')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .addOption(
      envOption('FLEETCTL', '--endpoint <addresses>', 'fleetd gRPC addresses, comma-separated').default(
        '127.0.0.1:7666',
      ),
    )
    .addOption(envOption('FLEETCTL', '--request-timeout <seconds>', 'per-request timeout').default('10'));
  const listing = (cmd: Command, fields: string): Command =>
    cmd
      .option('--fields <fields>', 'columns to print, comma-separated', fields)
      .option('--no-legend', 'do not print the legend')
      .addOption(new Option('-l, --full', 'do not shorten IDs and hashes'));
  const blocking = (cmd: Command): Command =>
    cmd
      .option('--no-block', 'do not wait until the units reach their state')
      .option('--block-attempts <n>', 'wait at most this many checks (0: unlimited)', '0');

  listing(program.command('list-machines').description('machines in the cluster'), 'machine,ip,metadata').action(
    (o: ListOptions) => listMachines(ctx(), o),
  );
  listing(
    program.command('list-units').description('units as the agents report them'),
    'unit,machine,active,sub',
  ).action((o: ListOptions) => listUnits(ctx(), o));
  listing(program.command('list-unit-files').description('submitted units'), 'unit,hash,dstate,state,target').action(
    (o: ListOptions) => listUnitFiles(ctx(), o),
  );
  program
    .command('submit')
    .argument('<units...>')
    .option('--replace', 'replace units that exist with different contents')
    .action((units: string[], o: { replace?: boolean }) => submit(ctx(), units, S.UNIT_STATE_INACTIVE, o));
  for (const [name, state] of [
    ['load', S.UNIT_STATE_LOADED],
    ['start', S.UNIT_STATE_LAUNCHED],
  ] as const) {
    blocking(
      program.command(name).argument('<units...>').option('--replace', 'replace units with new contents'),
    ).action((units: string[], o: BlockOptions & { replace?: boolean }) => submit(ctx(), units, state, o));
  }
  for (const [name, state] of [
    ['stop', S.UNIT_STATE_LOADED],
    ['unload', S.UNIT_STATE_INACTIVE],
  ] as const) {
    blocking(program.command(name).argument('<units...>')).action((units: string[], o: BlockOptions) =>
      lower(ctx(), units, state, o),
    );
  }
  blocking(program.command('destroy').argument('<units...>')).action((units: string[], o: BlockOptions) =>
    destroy(ctx(), units, o),
  );
  program
    .command('status')
    .argument('<units...>')
    .option('--lines <n>', 'journal lines to show', '10')
    .action((units: string[], o: { lines: string }) => status(ctx(), units, Number(o.lines)));
  program
    .command('journal')
    .argument('<unit>')
    .option('--lines <n>', 'how many recent lines', '10')
    .option('-f, --follow', 'keep printing new lines')
    .action((unit: string, o: { lines: string; follow?: boolean }) =>
      journal(ctx(), unit, Number(o.lines), o.follow === true),
    );
  program
    .command('cat')
    .argument('<unit>')
    .action(async (unit: string) => {
      const u = await ctx().api.getUnit(unit);
      if (!u) throw new Error(`Unit ${unit} not found`);
      io.out(unitText(u.options));
    });
  program
    .command('drain')
    .argument('<machine>')
    .action(async (machine: string) => {
      const m = (await ctx().api.drainMachine(machine)).machine;
      io.out(`Machine ${m?.id ?? machine} drained\n`);
    });
  program
    .command('undrain')
    .argument('<machine>')
    .action(async (machine: string) => {
      const m = (await ctx().api.undrainMachine(machine)).machine;
      io.out(`Machine ${m?.id ?? machine} undrained\n`);
    });
  return program;
}
