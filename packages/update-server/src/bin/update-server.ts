#!/usr/bin/env node
// update-server: Omaha v3 endpoint + payload downloads (HTTP) and the admin API (gRPC).
// Flags fall back to UPDATE_SERVER_* environment variables.
import { createLogger, envOption, LOG_LEVELS, type LogLevel, parsePositiveInt, runCommand } from '@coreos-ts/grpc-kit';
import { Command } from 'commander';
import { UpdateServer } from '../update-server.js';
import { defaultUpdateServerConfig } from '../update-server-config.js';

const P = 'UPDATE_SERVER';
const d = defaultUpdateServerConfig();

interface Flags {
  listen: string;
  dataDir: string;
  adminListen: string;
  publicUrl: string;
  publicKey: string;
  maxPayloadBytes: number;
  maxInstances: number;
  logLevel: string;
}

const program = new Command('update-server')
  .description('An Omaha v3 update server with Nebraska-style channels, groups and rollout policy')
  .addOption(envOption(P, '--listen <addr>', 'public HTTP address (Omaha + payloads)').default(d.listen))
  .addOption(envOption(P, '--data-dir <dir>', 'LevelDB database and payload files').default(d.dataDir))
  .addOption(envOption(P, '--admin-listen <addr>', "admin gRPC address ('' disables)").default(d.adminListen))
  .addOption(
    envOption(P, '--public-url <url>', 'base URL clients reach --listen at (default: the bound address)').default(''),
  )
  .addOption(envOption(P, '--public-key <pem>', 'Ed25519 public key uploaded payloads must be signed for').default(''))
  .addOption(
    envOption(P, '--max-payload-bytes <n>', 'largest accepted payload')
      .argParser(parsePositiveInt)
      .default(d.maxPayloadBytes),
  )
  .addOption(
    envOption(P, '--max-instances <n>', 'most instances tracked').argParser(parsePositiveInt).default(d.maxInstances),
  )
  .addOption(envOption(P, '--log-level <level>', `one of ${LOG_LEVELS.join(', ')}`).default('info'))
  .action(async (flags: Flags) => {
    const logger = createLogger({ level: flags.logLevel as LogLevel, name: 'update-server' });
    const server = await UpdateServer.start(
      {
        ...d,
        listen: flags.listen,
        dataDir: flags.dataDir,
        adminListen: flags.adminListen,
        publicUrl: flags.publicUrl,
        publicKeyPath: flags.publicKey,
        maxPayloadBytes: flags.maxPayloadBytes,
        maxInstances: flags.maxInstances,
      },
      { logger },
    );
    process.stdout.write(
      `omaha ${server.omahaUrl}\nadmin ${server.grpc === null ? '-' : `${flags.adminListen.replace(/:\d+$/, '')}:${server.grpc.port}`}\n`,
    );
    const shutdown = () => {
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', shutdown);
    process.once('SIGTERM', shutdown);
  });

await runCommand(program);
