// Snapshot file names: `<term>-<index>.snap`, both 16 hex digits.

const pattern = /^([0-9a-f]{16})-([0-9a-f]{16})\.snap$/;

export function snapFileName(term: number, index: number): string {
  return `${term.toString(16).padStart(16, '0')}-${index.toString(16).padStart(16, '0')}.snap`;
}

export function parseSnapFileName(name: string): { term: number; index: number } | null {
  const m = pattern.exec(name);
  if (m === null || m[1] === undefined || m[2] === undefined) return null;
  const term = Number.parseInt(m[1], 16);
  const index = Number.parseInt(m[2], 16);
  if (!Number.isSafeInteger(term) || !Number.isSafeInteger(index)) return null;
  return { term, index };
}
