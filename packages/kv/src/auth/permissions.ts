import { authpb } from '@coreos-ts/proto';

/** A key interval [start, end); end undefined = to the end of the key space. */
interface Interval {
  start: Buffer;
  end: Buffer | undefined;
}

function intervalOf(key: Buffer, rangeEnd: Buffer): Interval {
  if (rangeEnd.length === 0) return { start: key, end: Buffer.concat([key, Buffer.from([0])]) };
  if (rangeEnd.length === 1 && rangeEnd[0] === 0) return { start: key, end: undefined };
  return { start: key, end: rangeEnd };
}

function endCompare(a: Buffer | undefined, b: Buffer | undefined): number {
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return Buffer.compare(a, b);
}

export type Access = 'read' | 'write';

function grants(perm: authpb.Permission, access: Access): boolean {
  if (perm.permType === authpb.Permission_Type.READWRITE) return true;
  return access === 'read'
    ? perm.permType === authpb.Permission_Type.READ
    : perm.permType === authpb.Permission_Type.WRITE;
}

/**
 * Whether the union of the permissions granting `access` covers [key, rangeEnd) (etcd's range
 * rules: empty end = the key alone, "\0" = everything from the key).
 */
export function permits(perms: readonly authpb.Permission[], access: Access, key: Buffer, rangeEnd: Buffer): boolean {
  const want = intervalOf(key, rangeEnd);
  const have = perms
    .filter((p) => grants(p, access))
    .map((p) => intervalOf(p.key, p.rangeEnd))
    .sort((a, b) => Buffer.compare(a.start, b.start));
  let reached: Buffer | undefined = want.start;
  for (const iv of have) {
    if (reached === undefined) return true;
    if (Buffer.compare(iv.start, reached) > 0) break;
    if (endCompare(iv.end, reached) > 0) reached = iv.end;
  }
  return reached === undefined || endCompare(reached, want.end) >= 0;
}
