/** fleetctl's table layouts: upper-cased field names as the legend, tab-separated columns. */
import { fleetpb } from '@coreos-ts/proto';
import { SHORT_ID_LENGTH } from '../scheduler/machine.js';

export interface TableOptions {
  readonly fields: readonly string[];
  readonly noLegend: boolean;
  readonly full: boolean;
}

export function table(rows: readonly Record<string, string>[], o: TableOptions): string {
  const lines: string[] = [];
  if (!o.noLegend) lines.push(o.fields.map((f) => f.toUpperCase()).join('\t'));
  for (const row of rows) lines.push(o.fields.map((f) => row[f] || '-').join('\t'));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Checks `--fields` against the valid ones, fleet's way. */
export function parseFields(text: string, valid: readonly string[]): string[] {
  const fields = text.split(',').map((f) => f.trim());
  for (const f of fields) {
    if (!valid.includes(f)) throw new Error(`invalid key in output field: ${f}`);
  }
  return fields;
}

export function shortId(id: string, full: boolean): string {
  return full || id.length <= SHORT_ID_LENGTH ? id : `${id.slice(0, SHORT_ID_LENGTH)}...`;
}

/** fleet's machine column: `<id>.../<ip>`. */
export function machineColumn(id: string, ips: ReadonlyMap<string, string>, full: boolean): string {
  if (id === '') return '-';
  const ip = ips.get(id);
  return `${shortId(id, full)}/${ip || '-'}`;
}

export function metadataColumn(metadata: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(metadata)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`);
  return pairs.length === 0 ? '-' : pairs.join(',');
}

export function stateName(state: fleetpb.UnitState): string {
  switch (state) {
    case fleetpb.UnitState.UNIT_STATE_INACTIVE:
      return 'inactive';
    case fleetpb.UnitState.UNIT_STATE_LOADED:
      return 'loaded';
    case fleetpb.UnitState.UNIT_STATE_LAUNCHED:
      return 'launched';
    default:
      return '-';
  }
}

/** A unit's options back as unit file text (fleetctl cat). */
export function unitText(options: readonly fleetpb.UnitOption[]): string {
  const sections: string[] = [];
  for (const o of options) if (!sections.includes(o.section)) sections.push(o.section);
  const out: string[] = [];
  for (const section of sections) {
    if (out.length > 0) out.push('');
    out.push(`[${section}]`);
    for (const o of options) if (o.section === section) out.push(`${o.name}=${o.value}`);
  }
  return `${out.join('\n')}\n`;
}

export function description(options: readonly fleetpb.UnitOption[]): string {
  return options.find((o) => o.section === 'Unit' && o.name === 'Description')?.value ?? '';
}
