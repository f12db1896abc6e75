#!/usr/bin/env node
import { createLogger, runCommand } from '@coreos-ts/grpc-kit';
import { ConfigError, configFromFlags, kvdCommand } from '../flags.js';
import { SERVER_VERSION } from '../server/etcd-server.js';
import { startKvd } from '../server/kvd.js';

const program = kvdCommand(SERVER_VERSION).action(async (options: Record<string, unknown>) => {
  let config: ReturnType<typeof configFromFlags>;
  try {
    config = configFromFlags(options);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`kvd: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel, name: 'kvd' }).child({ member: config.name });
  let kvd: Awaited<ReturnType<typeof startKvd>>;
  const removed = () => {
    process.stderr.write('kvd: this member has been permanently removed from the cluster\n');
    setImmediate(() => kvd.stop().finally(() => process.exit(0)));
  };
  try {
    kvd = await startKvd(config, log, { onRemoved: removed });
  } catch (err) {
    process.stderr.write(`kvd: cannot start: ${(err as Error).message}\n`);
    process.exit(1);
  }
  const shutdown = (signal: string) => {
    log.info({ signal }, 'stopping');
    kvd.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
});

await runCommand(program);
