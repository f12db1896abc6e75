import type { UnitName } from './unit-name.js';

/**
 * Expands the unit-name specifiers fleet understands in [X-Fleet] values (its `unitPrintf`):
 * `%n` full name, `%N` name without suffix, `%p` prefix, `%i` instance. `%%` is a literal `%`;
 * any other `%x` is left as written.
 */
export function expandSpecifiers(value: string, unit: UnitName): string {
  return value.replace(/%([nNpi%])/g, (_, spec: string) => {
    switch (spec) {
      case 'n':
        return unit.fullName;
      case 'N':
        return unit.name;
      case 'p':
        return unit.prefix;
      case 'i':
        return unit.instance;
      default:
        return '%';
    }
  });
}
