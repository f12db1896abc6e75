import { createHash } from 'node:crypto';
import { serializeUnitFile, type UnitFile } from './unit-file.js';

/**
 * A unit's content hash, as fleet keys unit files (registry `unit/<sha1>`, the HASH column):
 * SHA-1 of the serialized options, hex. Formatting and comments in the submitted text do not
 * change it; option order does.
 */
export function unitHash(file: UnitFile): string {
  return createHash('sha1').update(serializeUnitFile(file)).digest('hex');
}
