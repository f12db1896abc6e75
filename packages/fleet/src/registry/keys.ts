/**
 * The registry's key layout in kv, all under one prefix (default `/_coreos.com/fleet/`):
 *
 * | key                                   | value                         | writer                         |
 * | ------------------------------------- | ----------------------------- | ------------------------------ |
 * | `units/<unit>`                        | UnitRecord JSON (text + hash) | API (submit, destroy)          |
 * | `desired/<unit>`                      | inactive / loaded / launched  | API (load, start, stop...)     |
 * | `schedule/<machine>/<unit>`           | unit hash when placed         | engine leader, fenced txn      |
 * | `unplaced/<unit>`                     | reason                        | engine leader, fenced txn      |
 * | `machines/<machine>`                  | MachineRecord JSON            | agent, under its lease         |
 * | `machine-settings/<machine>/drained`  | `true`                        | API (drain / undrain)          |
 * | `machine-settings/<machine>/metadata` | JSON object (dynamic metadata)| API (SetMachineMetadata)       |
 * | `states/<unit>/<machine>`             | UnitStateRecord JSON          | agent, under its lease         |
 * | `engine-leader/<lease>`               | leader's machine ID           | Election (etcdctl elect layout)|
 *
 * Per-machine schedule keys let an agent watch only `schedule/<its id>/`; states are keyed by
 * unit first so one unit's states are one prefix read. Nobody watches `states/`.
 */
export const DEFAULT_KEY_PREFIX = '/_coreos.com/fleet/';

export class RegistryKeys {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_KEY_PREFIX) {
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  get units(): string {
    return `${this.prefix}units/`;
  }
  unit(name: string): string {
    return `${this.units}${name}`;
  }
  get desiredAll(): string {
    return `${this.prefix}desired/`;
  }
  desired(name: string): string {
    return `${this.desiredAll}${name}`;
  }
  get scheduleAll(): string {
    return `${this.prefix}schedule/`;
  }
  scheduleOf(machineId: string): string {
    return `${this.scheduleAll}${machineId}/`;
  }
  schedule(machineId: string, unit: string): string {
    return `${this.scheduleOf(machineId)}${unit}`;
  }
  get unplacedAll(): string {
    return `${this.prefix}unplaced/`;
  }
  unplaced(name: string): string {
    return `${this.unplacedAll}${name}`;
  }
  get machines(): string {
    return `${this.prefix}machines/`;
  }
  machine(id: string): string {
    return `${this.machines}${id}`;
  }
  get settingsAll(): string {
    return `${this.prefix}machine-settings/`;
  }
  settingsOf(machineId: string): string {
    return `${this.settingsAll}${machineId}/`;
  }
  drained(machineId: string): string {
    return `${this.settingsOf(machineId)}drained`;
  }
  metadata(machineId: string): string {
    return `${this.settingsOf(machineId)}metadata`;
  }
  get statesAll(): string {
    return `${this.prefix}states/`;
  }
  statesOf(unit: string): string {
    return `${this.statesAll}${unit}/`;
  }
  state(unit: string, machineId: string): string {
    return `${this.statesOf(unit)}${machineId}`;
  }
  /** The election name (kv-client's Election appends `/<lease>`). */
  get engineLeader(): string {
    return `${this.prefix}engine-leader`;
  }

  /** `schedule/<machine>/<unit>` -> [machine, unit]; undefined for anything else. */
  parseSchedule(key: string): [string, string] | undefined {
    if (!key.startsWith(this.scheduleAll)) return undefined;
    const rest = key.slice(this.scheduleAll.length);
    const slash = rest.indexOf('/');
    if (slash <= 0 || slash === rest.length - 1) return undefined;
    return [rest.slice(0, slash), rest.slice(slash + 1)];
  }

  /** `states/<unit>/<machine>` -> [unit, machine]. */
  parseState(key: string): [string, string] | undefined {
    if (!key.startsWith(this.statesAll)) return undefined;
    const rest = key.slice(this.statesAll.length);
    const slash = rest.lastIndexOf('/');
    if (slash <= 0 || slash === rest.length - 1) return undefined;
    return [rest.slice(0, slash), rest.slice(slash + 1)];
  }
}
