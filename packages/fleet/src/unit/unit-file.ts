/**
 * systemd unit file syntax: `[Section]` headers, `Key=Value` assignments, `#`/`;` comments,
 * trailing-backslash continuations. The parse keeps every assignment in file order (with its
 * line number); `unitValues` applies systemd's list semantics (repeats append, an empty
 * assignment resets). Values are kept raw: quoting is interpreted by the option that reads them
 * (see `splitWords`).
 */

export interface UnitOption {
  readonly section: string;
  readonly name: string;
  readonly value: string;
  /** 1-based line of the assignment's first physical line. */
  readonly line: number;
}

export interface UnitFile {
  readonly options: readonly UnitOption[];
}

export interface UnitFileLimits {
  /** Largest accepted unit file. */
  readonly fileBytesMax: number;
  /** Longest accepted logical line (after joining continuations). */
  readonly lineBytesMax: number;
  /** Most assignments in one file. */
  readonly optionsMax: number;
}

export const defaultUnitFileLimits: UnitFileLimits = {
  fileBytesMax: 1024 * 1024,
  lineBytesMax: 64 * 1024,
  optionsMax: 10_000,
};

/** A unit file that is not valid syntax; `line` is 1-based. */
export class UnitParseError extends Error {
  override readonly name = 'UnitParseError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const KEY = /^[A-Za-z0-9_-]+$/;

function isComment(trimmed: string): boolean {
  return trimmed.startsWith('#') || trimmed.startsWith(';');
}

/** Joins continuation lines; yields logical lines with the number of their first physical line. */
function* logicalLines(text: string, limits: UnitFileLimits): Generator<{ text: string; line: number }> {
  const physical = text.split(/\r?\n/);
  let pending: { text: string; line: number } | undefined;
  for (let i = 0; i < physical.length; i++) {
    const raw = physical[i] ?? '';
    const trimmed = raw.trim();
    if (pending && isComment(trimmed)) continue; // comments inside a continuation are dropped
    const piece = pending ? raw : trimmed;
    const current = pending ? { text: pending.text + piece, line: pending.line } : { text: piece, line: i + 1 };
    if (current.text.length > limits.lineBytesMax) {
      throw new UnitParseError(current.line, `line longer than ${limits.lineBytesMax} bytes`);
    }
    if (current.text.endsWith('\\') && !isComment(current.text)) {
      pending = { text: `${current.text.slice(0, -1)} `, line: current.line };
      continue;
    }
    pending = undefined;
    yield { text: current.text.trim(), line: current.line };
  }
  if (pending) yield { text: pending.text.trim(), line: pending.line };
}

export function parseUnitFile(text: string, limits: UnitFileLimits = defaultUnitFileLimits): UnitFile {
  if (Buffer.byteLength(text) > limits.fileBytesMax) {
    throw new UnitParseError(1, `unit file larger than ${limits.fileBytesMax} bytes`);
  }
  const options: UnitOption[] = [];
  let section: string | undefined;
  for (const { text: line, line: lineNo } of logicalLines(text, limits)) {
    if (line === '' || isComment(line)) continue;
    if (line.startsWith('[')) {
      if (!line.endsWith(']') || line.length < 3) throw new UnitParseError(lineNo, `invalid section header ${line}`);
      const name = line.slice(1, -1);
      if (/[[\]]/.test(name)) throw new UnitParseError(lineNo, `invalid section header ${line}`);
      section = name;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq === -1) throw new UnitParseError(lineNo, `missing '=' in assignment: ${line}`);
    const name = line.slice(0, eq).trim();
    if (!KEY.test(name)) throw new UnitParseError(lineNo, `invalid key ${JSON.stringify(name)}`);
    if (section === undefined) throw new UnitParseError(lineNo, `assignment outside of a section: ${name}`);
    if (options.length >= limits.optionsMax) throw new UnitParseError(lineNo, `more than ${limits.optionsMax} options`);
    options.push({ section, name, value: line.slice(eq + 1).trim(), line: lineNo });
  }
  return { options };
}

/**
 * The values of a list option in order: repeated assignments append, an empty assignment
 * (`Key=`) drops everything assigned before it.
 */
export function unitValues(file: UnitFile, section: string, name: string): string[] {
  const values: string[] = [];
  for (const option of file.options) {
    if (option.section !== section || option.name !== name) continue;
    if (option.value === '') values.length = 0;
    else values.push(option.value);
  }
  return values;
}

/** The last value of a single-valued option (systemd: the last assignment wins). */
export function unitValue(file: UnitFile, section: string, name: string): string | undefined {
  const values = unitValues(file, section, name);
  return values[values.length - 1];
}

/** Section names in order of first appearance. */
export function unitSections(file: UnitFile): string[] {
  return [...new Set(file.options.map((o) => o.section))];
}

/** Renders options back to unit file text, one `Key=Value` per line, sections grouped in order. */
export function serializeUnitFile(file: UnitFile): string {
  const out: string[] = [];
  for (const section of unitSections(file)) {
    if (out.length > 0) out.push('');
    out.push(`[${section}]`);
    for (const o of file.options) if (o.section === section) out.push(`${o.name}=${o.value}`);
  }
  return `${out.join('\n')}\n`;
}
