// A min-heap of (expiryMs, id) with lazy deletion: a renewal pushes a fresh entry and the
// stale one is skipped when it surfaces (its expiry no longer matches the lease's).

export interface ExpiryEntry {
  readonly expiryMs: number;
  readonly id: bigint;
}

export class ExpiryHeap {
  private items: ExpiryEntry[] = [];

  get size(): number {
    return this.items.length;
  }

  push(entry: ExpiryEntry): void {
    const a = this.items;
    a.push(entry);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((a[parent] as ExpiryEntry).expiryMs <= entry.expiryMs) break;
      a[i] = a[parent] as ExpiryEntry;
      i = parent;
    }
    a[i] = entry;
  }

  peek(): ExpiryEntry | undefined {
    return this.items[0];
  }

  pop(): ExpiryEntry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= a.length) break;
      const r = l + 1;
      const c = r < a.length && (a[r] as ExpiryEntry).expiryMs < (a[l] as ExpiryEntry).expiryMs ? r : l;
      if ((a[c] as ExpiryEntry).expiryMs >= last.expiryMs) break;
      a[i] = a[c] as ExpiryEntry;
      i = c;
    }
    a[i] = last;
    return top;
  }

  /** Replaces the contents (used to drop stale entries). */
  reset(entries: ExpiryEntry[]): void {
    this.items = [];
    for (const e of entries) this.push(e);
  }
}
