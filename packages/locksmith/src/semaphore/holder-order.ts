/**
 * Go's sort.Strings order: byte-wise over UTF-8, which differs from JavaScript's UTF-16 order
 * for characters outside the Basic Multilingual Plane.
 */
export function compareHolders(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Index of the first element not less than `id` in a sorted list (Go's sort.SearchStrings). */
export function searchHolders(holders: readonly string[], id: string): number {
  let lo = 0;
  let hi = holders.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareHolders(holders[mid]!, id) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
