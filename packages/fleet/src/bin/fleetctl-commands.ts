/** fleetctl's commands: listings in fleet's layouts, unit state changes that block until done, status, journal. */
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fleetpb } from '@coreos-ts/proto';
import type { FleetApiClient } from '../api/fleet-api-client.js';
import { parseUnitFile } from '../unit/unit-file.js';
import { unitHash } from '../unit/unit-hash.js';
import { parseUnitName } from '../unit/unit-name.js';
import {
  description,
  machineColumn,
  metadataColumn,
  parseFields,
  shortId,
  stateName,
  table,
  unitText,
} from './fleetctl-format.js';

export interface FleetctlIo {
  out(text: string): void;
  err(text: string): void;
  /** Aborts a following journal (Ctrl-C). */
  interrupt?: AbortSignal;
}

export interface Ctx {
  api: FleetApiClient;
  io: FleetctlIo;
}

/** Bad arguments (exit code 2). */
export class UsageError extends Error {}

const S = fleetpb.UnitState;
const BLOCK_INTERVAL_MS = 250;

export interface ListOptions {
  fields: string;
  legend: boolean;
  full?: boolean;
}

export interface BlockOptions {
  block: boolean;
  blockAttempts: string;
}

function tableOptions(o: ListOptions, valid: readonly string[]) {
  let fields: string[];
  try {
    fields = parseFields(o.fields, valid);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  return { fields, noLegend: !o.legend, full: o.full === true };
}

async function machineIps(api: FleetApiClient): Promise<Map<string, string>> {
  return new Map((await api.listMachines()).map((m) => [m.id, m.publicIp]));
}

export async function listMachines({ api, io }: Ctx, o: ListOptions): Promise<void> {
  const t = tableOptions(o, ['machine', 'ip', 'metadata', 'units', 'drained']);
  const rows = (await api.listMachines()).map((m) => ({
    machine: shortId(m.id, t.full),
    ip: m.publicIp,
    metadata: metadataColumn(m.metadata),
    units: String(m.unitCount),
    drained: String(m.drained),
  }));
  io.out(table(rows, t));
}

export async function listUnits({ api, io }: Ctx, o: ListOptions): Promise<void> {
  const t = tableOptions(o, ['unit', 'machine', 'active', 'sub', 'load', 'hash', 'pid']);
  const ips = await machineIps(api);
  const rows = (await api.listUnitStates()).map((s) => ({
    unit: s.name,
    machine: machineColumn(s.machineId, ips, t.full),
    active: s.activeState,
    sub: s.subState,
    load: s.loadState,
    hash: t.full ? s.hash : s.hash.slice(0, 7),
    pid: s.pid ? String(s.pid) : '-',
  }));
  io.out(table(rows, t));
}

export async function listUnitFiles({ api, io }: Ctx, o: ListOptions): Promise<void> {
  const t = tableOptions(o, ['unit', 'hash', 'dstate', 'state', 'target', 'global', 'tmachine', 'desc']);
  const ips = await machineIps(api);
  const rows = (await api.listUnits()).map((u) => ({
    unit: u.name,
    hash: t.full ? u.hash : u.hash.slice(0, 7),
    dstate: stateName(u.desiredState),
    state: stateName(u.currentState),
    target: u.global ? 'global' : machineColumn(u.machineId, ips, t.full),
    global: String(u.global),
    tmachine: machineColumn(u.machineId, ips, t.full),
    desc: description(u.options),
  }));
  io.out(table(rows, t));
}

/** The unit file for `arg`: the file itself, else (for an instance) its template next to it or in the registry. */
async function unitFileFor(api: FleetApiClient, arg: string): Promise<{ name: string; text: string }> {
  const name = basename(arg);
  try {
    return { name, text: await readFile(arg, 'utf8') };
  } catch (err) {
    const unit = parseUnitName(name);
    if (!unit.isInstance) throw new Error(`unable to read unit file ${arg}: ${(err as Error).message}`);
    const template = `${unit.prefix}@.${unit.type}`;
    try {
      return { name, text: await readFile(join(dirname(arg), template), 'utf8') };
    } catch {
      const registered = await api.getUnit(template);
      if (!registered) throw new Error(`unable to find unit file or template for ${name}`);
      return { name, text: unitText(registered.options) };
    }
  }
}

const RANK: Record<number, number> = {
  [S.UNIT_STATE_INACTIVE]: 0,
  [S.UNIT_STATE_LOADED]: 1,
  [S.UNIT_STATE_LAUNCHED]: 2,
};

export async function submit(
  { api, io }: Ctx,
  args: string[],
  state: fleetpb.UnitState,
  o: Partial<BlockOptions> & { replace?: boolean },
): Promise<void> {
  const names: string[] = [];
  for (const arg of args) {
    const name = basename(arg);
    names.push(name);
    const existing = await api.getUnit(name);
    if (!existing || o.replace) {
      const { text } = await unitFileFor(api, arg);
      await api.submitUnit({ name, unitFile: text, desiredState: state, replace: o.replace === true });
    } else {
      await warnIfDiffers(io, existing, arg);
      if ((RANK[existing.desiredState] ?? 0) < (RANK[state] ?? 0))
        await api.setUnitDesiredState({ name, desiredState: state });
    }
  }
  if (state === S.UNIT_STATE_INACTIVE) return;
  await settle({ api, io }, names, state, o);
}

/** fleet's warning when a local file no longer matches the submitted unit (use --replace). */
async function warnIfDiffers(io: FleetctlIo, existing: fleetpb.Unit, arg: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch {
    return; // no local file (an instance of a registered template): nothing to compare
  }
  let hash: string;
  try {
    hash = unitHash(parseUnitFile(text));
  } catch {
    return;
  }
  if (hash !== existing.hash) {
    io.err(
      `WARNING: Unit ${existing.name} in registry differs from local unit file ${arg}. Use --replace to update it.\n`,
    );
  }
}

export async function lower(
  { api, io }: Ctx,
  names: string[],
  state: fleetpb.UnitState,
  o: BlockOptions,
): Promise<void> {
  for (const name of names) {
    const existing = await api.getUnit(name);
    if (!existing) throw new Error(`Unit ${name} not found`);
    if ((RANK[existing.desiredState] ?? 0) > (RANK[state] ?? 0))
      await api.setUnitDesiredState({ name, desiredState: state });
  }
  await settle({ api, io }, names, state, o);
}

/** Waits until each unit's current state is `state` (unless --no-block), printing fleet's lines. */
async function settle(
  { api, io }: Ctx,
  names: string[],
  state: fleetpb.UnitState,
  o: Partial<BlockOptions>,
): Promise<void> {
  const verb = state === S.UNIT_STATE_LAUNCHED ? 'start' : state === S.UNIT_STATE_LOADED ? 'load' : 'unload';
  if (o.block === false) {
    for (const name of names) io.out(`Triggered unit ${name} ${verb}\n`);
    return;
  }
  const attempts = Number(o.blockAttempts ?? '0');
  const ips = await machineIps(api);
  const pending = new Set(names);
  for (let attempt = 1; pending.size > 0; attempt++) {
    // one listing per round, however many units are pending
    const units = new Map((await api.listUnits()).map((u) => [u.name, u]));
    for (const name of [...pending]) {
      const u = units.get(name);
      if (!u) throw new Error(`Unit ${name} not found`);
      if (u.global) {
        io.out(`Triggered global unit ${name} ${verb}\n`);
        pending.delete(name);
      } else if (u.currentState === state) {
        const where = state === S.UNIT_STATE_INACTIVE ? '' : ` on ${machineColumn(u.machineId, ips, false)}`;
        io.out(`Unit ${name} ${stateName(state)}${where}\n`);
        pending.delete(name);
      }
    }
    if (pending.size === 0) return;
    if (attempts > 0 && attempt >= attempts) {
      throw new Error(`units did not reach ${stateName(state)} after ${attempts} attempts: ${[...pending].join(' ')}`);
    }
    await new Promise((r) => setTimeout(r, BLOCK_INTERVAL_MS));
  }
}

export async function destroy({ api, io }: Ctx, names: string[], o: BlockOptions): Promise<void> {
  for (const name of names) {
    await api.destroyUnit(name);
    io.out(`Destroyed ${name}\n`);
  }
  if (!o.block) return;
  const attempts = Number(o.blockAttempts);
  for (let attempt = 1; ; attempt++) {
    const states = await api.listUnitStates();
    const left = states.filter((s) => names.includes(s.name));
    if (left.length === 0) return;
    if (attempts > 0 && attempt >= attempts) {
      throw new Error(`units still reported after ${attempts} attempts: ${left.map((s) => s.name).join(' ')}`);
    }
    await new Promise((r) => setTimeout(r, BLOCK_INTERVAL_MS));
  }
}

export async function status({ api, io }: Ctx, names: string[], lines: number): Promise<void> {
  const ips = await machineIps(api);
  for (const name of names) {
    const u = await api.getUnit(name);
    if (!u) throw new Error(`Unit ${name} does not exist.`);
    const states = await api.listUnitStates({ unitName: name });
    if (states.length === 0) {
      io.out(`Unit ${name} does not appear to be running.\n`);
      if (u.unplacedReason) io.out(`   Reason: ${u.unplacedReason}\n`);
      continue;
    }
    for (const s of states) {
      const desc = description(u.options);
      io.out(`● ${name}${desc ? ` - ${desc}` : ''}\n`);
      io.out(`   Loaded: ${s.loadState}\n`);
      io.out(`   Active: ${s.activeState} (${s.subState})\n`);
      if (s.pid) io.out(` Main PID: ${s.pid}\n`);
      if (s.containerId) io.out(`Container: ${s.containerId.slice(0, 12)}\n`);
      if (s.message) io.out(`  Message: ${s.message}\n`);
      io.out(`  Machine: ${machineColumn(s.machineId, ips, true)}\n`);
      if (lines > 0 && s.machineId === (u.machineId || s.machineId)) {
        io.out('\n');
        for await (const entry of api.journal({ unitName: name, lines, follow: false })) io.out(`${entry.line}\n`);
      }
    }
  }
}

export async function journal({ api, io }: Ctx, unit: string, lines: number, follow: boolean): Promise<void> {
  for await (const entry of api.journal({ unitName: unit, lines, follow }, io.interrupt)) io.out(`${entry.line}\n`);
}
