import { keyOf, type NameTable } from "./name-table.js";

/** Names that can be asked about one at a time: a Set<string>, or entries of a table. */
export interface NameSet {
  readonly size: number;
  has(name: string): boolean;
}

/** Entries of a table in key order, asked about by a binary search on the keys. */
export class SortedEntries implements NameSet {
  constructor(
    private readonly table: NameTable,
    private readonly entries: Uint32Array,
  ) {}

  get size(): number {
    return this.entries.length;
  }

  has(name: string): boolean {
    const key = keyOf(name);
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.table.compareKey(this.entries[mid]!, key);
      if (c === 0) return true;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return false;
  }
}
