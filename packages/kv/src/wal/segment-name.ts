// Segment file names: `<seq>-<firstIndex>.wal`, both 16 hex digits, so names sort in order.

const pattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.wal$/;

export interface SegmentName {
  seq: number;
  firstIndex: number;
  name: string;
}

export function segmentFileName(seq: number, firstIndex: number): string {
  return `${hex16(seq)}-${hex16(firstIndex)}.wal`;
}

export function parseSegmentFileName(name: string): SegmentName | null {
  const m = pattern.exec(name);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  const seq = Number.parseInt(m[1], 16);
  const firstIndex = Number.parseInt(m[2], 16);
  if (!Number.isSafeInteger(seq) || !Number.isSafeInteger(firstIndex)) return null;
  return { seq, firstIndex, name };
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}
