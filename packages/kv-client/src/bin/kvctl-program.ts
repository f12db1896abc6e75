import { createLogger, parseDuration, parseList } from '@coreos-ts/grpc-kit';
import { Command, CommanderError, Option } from 'commander';
import { type CliContext, CliError, EXIT, type OutputFormat } from '../cli/context.js';
import { KvClient } from '../client.js';
import type { ClientOptions } from '../config.js';
import {
  type Run,
  registerClusterCommands,
  registerConcurrencyCommands,
  registerKvCommands,
  registerLeaseCommands,
} from './kvctl-commands.js';

/** Where kvctl reads and writes; the binary passes the process's, tests their own. */
export interface KvctlIo {
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  env: NodeJS.ProcessEnv;
  interrupt: AbortSignal;
}

interface GlobalFlags {
  endpoints: string;
  cacert?: string;
  cert?: string;
  key?: string;
  user?: string;
  password?: string;
  dialTimeout: string;
  commandTimeout: string;
  writeOut: string;
  debug?: boolean;
}

const FORMATS: OutputFormat[] = ['simple', 'json', 'table', 'fields', 'protobuf'];

function clientOptions(flags: GlobalFlags, endpoints: string[]): ClientOptions {
  const options: ClientOptions = {
    endpoints,
    dialTimeoutMs: parseDuration(flags.dialTimeout),
    callTimeoutMs: parseDuration(flags.commandTimeout),
  };
  if (flags.debug) options.logger = createLogger({ level: 'debug', name: 'kvctl' });
  if (flags.cacert || flags.cert || flags.key) {
    options.tls = {
      ...(flags.cacert ? { caFile: flags.cacert } : {}),
      ...(flags.cert ? { certFile: flags.cert } : {}),
      ...(flags.key ? { keyFile: flags.key } : {}),
    };
  }
  if (flags.user) {
    const colon = flags.user.indexOf(':');
    const user = colon >= 0 ? flags.user.slice(0, colon) : flags.user;
    const password = colon >= 0 ? flags.user.slice(colon + 1) : flags.password;
    if (password === undefined)
      throw new CliError('password is required with --user (use --user name:password or --password)', EXIT.badArgs);
    options.auth = { user, password };
  }
  return options;
}

/** The root command with etcdctl's global flags; each falls back to its ETCDCTL_* variable. */
function globalProgram(io: KvctlIo): Command {
  const env = (name: string, fallback: string): string => io.env[`ETCDCTL_${name}`] ?? fallback;
  const optionalEnv = (name: string): string | undefined => io.env[`ETCDCTL_${name}`];
  return new Command('kvctl')
    .description('A simple command line client for etcd v3 API clusters (etcd or kvd), compatible with etcdctl')
    .option('--endpoints <list>', 'gRPC endpoints (env ETCDCTL_ENDPOINTS)', env('ENDPOINTS', '127.0.0.1:2379'))
    .option(
      '--cacert <file>',
      'verify certificates of TLS-enabled secure servers using this CA bundle',
      optionalEnv('CACERT'),
    )
    .option('--cert <file>', 'identify secure client using this TLS certificate file', optionalEnv('CERT'))
    .option('--key <file>', 'identify secure client using this TLS key file', optionalEnv('KEY'))
    .option('--user <user[:password]>', 'username[:password] for authentication', optionalEnv('USER'))
    .option('--password <password>', 'password for authentication', optionalEnv('PASSWORD'))
    .option('--dial-timeout <duration>', 'dial timeout for client connections', env('DIAL_TIMEOUT', '2s'))
    .option(
      '--command-timeout <duration>',
      'timeout for short running command (excluding dial timeout)',
      env('COMMAND_TIMEOUT', '5s'),
    )
    .option('--debug', 'enable client-side debug logging (JSON lines on stderr)')
    .addOption(
      new Option('-w, --write-out <format>', 'set the output format')
        .choices(FORMATS)
        .default(env('WRITE_OUT', 'simple')),
    )
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) })
    .showHelpAfterError(false);
}

/** A command's context from the parsed global flags; every client made is recorded for closing. */
function makeContext(program: Command, io: KvctlIo, clients: KvClient[]): CliContext {
  const flags = program.opts<GlobalFlags>();
  const endpoints = parseList(flags.endpoints);
  const options = clientOptions(flags, endpoints);
  let client: KvClient | undefined;
  return {
    format: flags.writeOut as OutputFormat,
    out: io.out,
    err: io.err,
    readStdin: io.readStdin,
    interrupt: io.interrupt,
    endpoints,
    clientOptions: options,
    env: io.env,
    client: () => {
      if (!client) {
        client = new KvClient(options);
        clients.push(client);
      }
      return client;
    },
    clientFor: (others) => {
      const other = new KvClient({ ...options, endpoints: others });
      clients.push(other);
      return other;
    },
  };
}

/** etcdctl's way of failing: `Error: <message>` on stderr and an exit code. */
function reportError(err: unknown, io: KvctlIo): number {
  if (err instanceof CommanderError) {
    const help = ['commander.helpDisplayed', 'commander.help', 'commander.version'].includes(err.code);
    return help ? EXIT.ok : EXIT.badArgs;
  }
  io.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
  if (err instanceof CliError) return err.exitCode;
  return EXIT.error;
}

/** Builds the etcdctl-compatible command tree and runs argv (without node and script) on it. */
export async function runKvctl(args: string[], io: KvctlIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const clients: KvClient[] = [];
  const program = globalProgram(io);
  const run: Run =
    (fn) =>
    async (...a) => {
      exitCode = await fn(makeContext(program, io, clients), ...a);
    };
  registerKvCommands(program, run);
  registerLeaseCommands(program, run);
  registerClusterCommands(program, run);
  registerConcurrencyCommands(program, run);
  program
    .command('version')
    .description('Prints the version of kvctl')
    .action(() => {
      io.out('kvctl version: 0.1.0\nAPI version: 3.4\n');
    });
  try {
    await program.parseAsync(args, { from: 'user' });
    return exitCode;
  } catch (err) {
    return reportError(err, io);
  } finally {
    for (const client of clients) client.close();
  }
}
