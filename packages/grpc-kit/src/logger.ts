import { pino } from 'pino';

/** The structured logger every component takes as a parameter: constant messages, data in fields. */
export interface Logger {
  debug(fields: object, msg: string): void;
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  error(fields: object, msg: string): void;
  child(bindings: object): Logger;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent'];

/** A pino logger writing JSON lines to stderr; for binaries. Libraries take a Logger instead. */
export function createLogger(options: { level: LogLevel; name: string }): Logger {
  return pino({ name: options.name, level: options.level }, pino.destination(2));
}

/** A logger that drops everything; the default where a caller passes none. */
export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLogger,
};
