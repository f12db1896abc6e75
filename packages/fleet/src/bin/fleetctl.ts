#!/usr/bin/env node
// fleetctl: the fleet command line (fleet.v1.Fleet over gRPC).
import { runFleetctl } from './fleetctl-program.js';

const interrupt = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => interrupt.abort());

const code = await runFleetctl(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interrupt: interrupt.signal,
});
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
