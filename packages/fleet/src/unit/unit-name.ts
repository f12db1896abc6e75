/**
 * Unit names as fleet takes them: `prefix.type`, template `prefix@.type`, instance
 * `prefix@instance.type`. fleet's own validation messages (fleet api/units.go ValidateName),
 * restricted to the unit types this fleet can run: `.service` (a supervised process) and
 * `.container` (a Docker container, Quadlet-style).
 */

export const UNIT_TYPES = ['service', 'container'] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

export const UNIT_NAME_LENGTH_MAX = 256;

export interface UnitName {
  /** `web@1.service` */
  readonly fullName: string;
  /** Without the type suffix: `web@1` (fleet `%N`). */
  readonly name: string;
  /** Before the `@` (or the whole name): `web` (fleet `%p`). */
  readonly prefix: string;
  /** Between `@` and the suffix: `1`; empty for templates and plain units (fleet `%i`). */
  readonly instance: string;
  readonly type: UnitType;
  /** `web@.service` */
  readonly isTemplate: boolean;
  /** `web@1.service` */
  readonly isInstance: boolean;
}

export class UnitNameError extends Error {
  override readonly name = 'UnitNameError';
}

const VALID_CHAR = /^[A-Za-z0-9:_.@\\-]$/;

/** fleet's reason a name is invalid, or undefined when it is valid. */
export function unitNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'unit name cannot be empty';
  if (name.length > UNIT_NAME_LENGTH_MAX) return `unit name exceeds maximum length (${UNIT_NAME_LENGTH_MAX})`;
  const dot = name.lastIndexOf('.');
  if (dot === -1) return 'unit name must contain "."';
  if (dot === name.length - 1) return 'unit name cannot end in "."';
  const suffix = name.slice(dot + 1);
  if (!(UNIT_TYPES as readonly string[]).includes(suffix)) return `invalid unit type: ${JSON.stringify(suffix)}`;
  for (const char of name.slice(0, dot)) {
    if (!VALID_CHAR.test(char)) return `invalid character ${JSON.stringify(char)} in unit name`;
  }
  if (name.startsWith('@')) return 'unit name cannot start in "@"';
  return undefined;
}

export function parseUnitName(fullName: string): UnitName {
  const problem = unitNameProblem(fullName);
  if (problem) throw new UnitNameError(problem);
  const dot = fullName.lastIndexOf('.');
  const name = fullName.slice(0, dot);
  const type = fullName.slice(dot + 1) as UnitType;
  const at = name.indexOf('@');
  const prefix = at === -1 ? name : name.slice(0, at);
  const instance = at === -1 ? '' : name.slice(at + 1);
  return {
    fullName,
    name,
    prefix,
    instance,
    type,
    isTemplate: at !== -1 && instance === '',
    isInstance: at !== -1 && instance !== '',
  };
}

/** `web@1.service` -> `web@.service`; undefined for a name that is not an instance. */
export function templateOf(fullName: string): string | undefined {
  const unit = parseUnitName(fullName);
  return unit.isInstance ? `${unit.prefix}@.${unit.type}` : undefined;
}

/** `web@.service` + `1` -> `web@1.service`. */
export function instanceOf(template: string, instance: string): string {
  const unit = parseUnitName(template);
  if (!unit.isTemplate) throw new UnitNameError(`${JSON.stringify(template)} is not a template unit name`);
  return parseUnitName(`${unit.prefix}@${instance}.${unit.type}`).fullName;
}
