import { replaceSpecifiers, unitSpecifiers } from './specifiers.js';
import type { UnitFile } from './unit-file.js';
import type { UnitName } from './unit-name.js';
import { X_FLEET_SECTION } from './x-fleet.js';

/**
 * What systemd does to the sections it runs ([Service], [Container], ...) before using them: the
 * unit-name specifiers (`%n %N %p %i`) plus `%m`, the machine ID, are expanded. So one template
 * serves every instance (`-p 80%i`) and names can differ per machine (`ContainerName=web-%i-%m`).
 * [X-Fleet] is left as written: `parseXFleet` expands it with fleet's own, smaller set.
 */
export function expandRuntimeSpecifiers(file: UnitFile, unit: UnitName, machineId: string): UnitFile {
  const table = { ...unitSpecifiers(unit), m: machineId };
  return {
    options: file.options.map((o) =>
      o.section === X_FLEET_SECTION ? o : { ...o, value: replaceSpecifiers(o.value, table) },
    ),
  };
}
