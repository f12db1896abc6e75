import type { UnitName } from './unit-name.js';

/**
 * Expands the unit-name specifiers fleet understands in [X-Fleet] values (its `unitPrintf`):
 * `%n` full name, `%N` name without suffix, `%p` prefix, `%i` instance. `%%` is a literal `%`;
 * any other `%x` is left as written.
 */
export function expandSpecifiers(value: string, unit: UnitName): string {
  return replaceSpecifiers(value, unitSpecifiers(unit));
}

/** The unit-name specifiers (letter -> value) of `unit`. */
export function unitSpecifiers(unit: UnitName): Record<string, string> {
  return { n: unit.fullName, N: unit.name, p: unit.prefix, i: unit.instance };
}

/** Replaces `%x` by `table[x]` and `%%` by `%`; a letter the table lacks is left as written. */
export function replaceSpecifiers(value: string, table: Readonly<Record<string, string>>): string {
  return value.replace(/%(.)/gs, (whole, spec: string) => (spec === '%' ? '%' : (table[spec] ?? whole)));
}
