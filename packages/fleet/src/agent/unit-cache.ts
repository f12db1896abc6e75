/**
 * The agent's parsed view of `units/` and `desired/`, kept current from the mirrors' changes
 * (a file is parsed once per revision), with the set of global units on the side: a pass then
 * costs what this machine runs, not what the registry holds.
 */
import type { KvMirror } from '../control/kv-mirror.js';
import type { RegistryKeys } from '../registry/keys.js';
import { decodeDesiredState, decodeUnitRecord } from '../registry/records.js';
import { parseUnitFile } from '../unit/unit-file.js';
import { parseXFleet } from '../unit/x-fleet.js';
import type { KnownUnit } from './agent-targets.js';

interface CachedUnit {
  readonly modRevision: bigint;
  readonly known: KnownUnit;
  readonly text: string;
}

export class UnitCache {
  private readonly cache = new Map<string, CachedUnit>();
  private readonly globals = new Set<string>();

  constructor(
    private readonly keys: RegistryKeys,
    private readonly units: KvMirror,
    private readonly desired: KvMirror,
  ) {}

  /** Full keys a mirror batch touched; undefined after a (re)listing: everything is looked at. */
  changed(keys: readonly string[] | undefined): void {
    const k = this.keys;
    const names = new Set<string>();
    if (keys === undefined) {
      for (const [name] of this.units.items()) names.add(name);
      for (const name of this.cache.keys()) names.add(name);
    } else {
      for (const key of keys) {
        if (key.startsWith(k.units)) names.add(key.slice(k.units.length));
        else if (key.startsWith(k.desiredAll)) names.add(key.slice(k.desiredAll.length));
      }
    }
    for (const name of names) this.refresh(name);
  }

  /** The unit file text, for starting the unit. */
  text(name: string): string | undefined {
    return this.cache.get(name)?.text;
  }

  /** The units a pass looks at: `scheduled` ones and the global ones. */
  relevant(scheduled: Iterable<string>): Map<string, KnownUnit> {
    const out = new Map<string, KnownUnit>();
    for (const name of [...scheduled, ...this.globals]) {
      const known = this.cache.get(name)?.known;
      if (known) out.set(name, known);
    }
    return out;
  }

  private refresh(name: string): void {
    const kv = this.units.entries.get(this.keys.unit(name));
    const record = kv ? decodeUnitRecord(kv.valueString) : undefined;
    if (!kv || !record) {
      this.cache.delete(name);
      this.globals.delete(name);
      return;
    }
    const desiredText = this.desired.entries.get(this.keys.desired(name))?.valueString ?? '';
    const desired = decodeDesiredState(desiredText) ?? 'inactive';
    let cached = this.cache.get(name);
    if (!cached || cached.modRevision !== kv.modRevision) {
      let requirements: KnownUnit['requirements'];
      try {
        requirements = parseXFleet(name, parseUnitFile(record.text));
      } catch {
        requirements = undefined; // never run; the API lets no such file in
      }
      const known = { name, hash: record.hash, desired, requirements };
      cached = { modRevision: kv.modRevision, text: record.text, known };
    } else cached = { ...cached, known: { ...cached.known, desired } };
    this.cache.set(name, cached);
    if (cached.known.requirements?.global) this.globals.add(name);
    else this.globals.delete(name);
  }
}
