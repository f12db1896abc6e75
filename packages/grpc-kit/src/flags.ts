import { type Command, CommanderError, InvalidArgumentError, Option } from 'commander';

/** `--data-dir` with prefix `ETCD` falls back to the environment variable `ETCD_DATA_DIR`. */
export function envName(prefix: string, longFlag: string): string {
  return `${prefix}_${longFlag.replace(/^--/, '').replace(/-/g, '_').toUpperCase()}`;
}

/**
 * An option in etcd's style: long form, with an environment fallback derived from its name.
 * `flags` is commander's syntax, e.g. '--data-dir <path>'.
 */
export function envOption(prefix: string, flags: string, description: string): Option {
  const long = flags.split(/[ ,]+/).find((part) => part.startsWith('--'));
  if (!long) throw new Error(`option ${flags} needs a long form`);
  return new Option(flags, description).env(envName(prefix, long));
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go-style durations: "500ms", "10s", "1h30m". Returns milliseconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(trimmed)) {
    throw new InvalidArgumentError(`invalid duration "${text}" (expected e.g. 500ms, 10s, 1h30m)`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(match[1]) * (DURATION_UNITS_MS[match[2] ?? ''] ?? 0);
  }
  return total;
}

/** A positive integer flag value, for commander's argParser. */
export function parsePositiveInt(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new InvalidArgumentError(`"${text}" is not a positive integer`);
  return value;
}

/** A comma-separated list, e.g. endpoints. */
export function parseList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Parse argv strictly: an unknown or invalid flag prints a message naming it and exits with code 2. */
export async function runCommand(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  program.exitOverride();
  program.showHelpAfterError(false);
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) {
        process.exit(0);
      }
      process.exit(2);
    }
    throw err;
  }
}
