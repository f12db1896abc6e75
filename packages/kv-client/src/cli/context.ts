import type { KvClient } from '../client.js';
import type { ClientOptions } from '../config.js';

export type OutputFormat = 'simple' | 'json' | 'table' | 'fields' | 'protobuf';

/** etcdctl's exit codes. */
export const EXIT = {
  ok: 0,
  error: 1,
  badConnection: 2,
  invalidInput: 3,
  badFeature: 4,
  interrupted: 5,
  badArgs: 128,
} as const;

/** What a kvctl command runs with: I/O, the output format, and a lazily made client. */
export interface CliContext {
  format: OutputFormat;
  out(text: string): void;
  err(text: string): void;
  readStdin(): Promise<string>;
  /** Fires on SIGINT/SIGTERM (or when a test says so): long-running commands wind down. */
  interrupt: AbortSignal;
  endpoints: string[];
  clientOptions: ClientOptions;
  client(): KvClient;
  /** A client for other endpoints with the same TLS/auth/timeouts (endpoint status --cluster). */
  clientFor(endpoints: string[]): KvClient;
  /** Environment for child commands (lock/elect exec). */
  env: NodeJS.ProcessEnv;
}

/** A failure with the exit code etcdctl would use. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
  }
}

export function requireFormat(ctx: CliContext, allowed: OutputFormat[]): void {
  if (!allowed.includes(ctx.format))
    throw new CliError(`${ctx.format} not supported as output format`, EXIT.badFeature);
}
