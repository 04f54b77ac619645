import { EMPTY_ALLOWLIST, type Allowlist } from "./allowlist.js";
import { memoryFor } from "./helper-jobs.js";
import { addressRange } from "./ip-network.js";
import type { Neighbours } from "./bucket-sort.js";
import { type BucketHelper, sortKeys } from "./key-sort.js";
import { BLOCK, BOUNDARY, EXACT, NameTable, SUBTREE } from "./name-table.js";
import type { ParsedList } from "./parse-list.js";

/** What the sources add up to, once the allowlist has had its say. */
export interface Decision {
  /** every name of the run; the decision is entries of it */
  readonly table: NameTable;
  /**
   * entries of `table` to block, each blocking its subtree; none under another; in canonical
   * DNS order (RFC 4034 §6.1, compareNames), which keeps a domain's names together
   */
  readonly blocked: Uint32Array;
  /**
   * entries of allowed names that sit below a blocked name: unbound answers a name from its
   * closest local-zone, so these are written as zones of their own that resolve normally; in
   * canonical DNS order
   */
  readonly carved: Uint32Array;
  /** the blocked names as text, made on each read: for tests, logs and small lists */
  readonly names: string[];
  /** the carve-outs as text, as `names` */
  readonly carveOuts: string[];
  /** CIDRs to block, none inside another; IPv4 first, each family by address */
  readonly networks: string[];
  /** entries the sources repeated (the same name again, in any source) */
  readonly duplicates: number;
  /** names left out because a listed parent blocks them already */
  readonly redundant: number;
  /** names left out by the allowlist and the lists' own exceptions */
  readonly allowed: number;
}

/**
 * Union of the sources, minus the allowlist (exact names and subtrees) and the sources'
 * exceptions (subtrees, as Adblock's `@@||x^` means), deduplicated and collapsed: the lists as
 * parsed on their own (each its own table, as tests make them). A run parses its sources into
 * one table and calls decideTable.
 */
export function decide(
  lists: readonly Pick<ParsedList, "names" | "exceptions" | "networks">[],
  allow: Allowlist = EMPTY_ALLOWLIST,
): Decision {
  const table = new NameTable();
  for (const l of lists) for (const n of l.names) table.add(n, BLOCK);
  addAllowlist(table, allow);
  for (const l of lists) for (const n of l.exceptions) table.add(n, SUBTREE);
  return decideTable(
    table,
    lists.flatMap((l) => l.networks),
  );
}

/** The allowlist's entries, into the table of a run. */
export function addAllowlist(table: NameTable, allow: Allowlist): void {
  for (const n of allow.exact) table.add(n, EXACT);
  for (const n of allow.subtrees) table.add(n, SUBTREE);
}

/**
 * decide, for a table holding every entry of a run: the sources' names (BLOCK), the allowlist
 * (EXACT, SUBTREE) and the sources' exceptions (SUBTREE).
 *
 * Every name, allowed or blocked, is sorted once in canonical DNS order; a name's ancestors then
 * come before it and its subtree right after it, so one pass with a stack of the enclosing
 * decisions settles each name: below an allowed subtree → dropped; allowed exactly → dropped, and
 * a carve-out if something above blocks it; blocked below a kept block → redundant; else kept.
 *
 * The sort sorts the table's own starts and lengths (sortKeys): from then on an entry of the
 * table is a sorted position, and so are the decision's entries. The table's kinds, and what
 * its lists said of their entries (ParsedList's names and exceptions), are of the order before.
 */
export function decideTable(table: NameTable, networks: readonly string[], helper?: BucketHelper): Decision {
  const total = table.count;
  const onlyBlocks = table.notBlocking === 0;
  const order = new Uint32Array(memoryFor(total * 4, helper !== undefined));

  const pass = new SortedPass(order, total, onlyBlocks ? undefined : table.kind);
  // the lower part of the keys is passed over while the helper thread still sorts the upper
  pass.run(
    total,
    sortKeys(table, order, helper, (sortedBelow, neighbours) => pass.run(sortedBelow, neighbours)),
  );
  const { keptCount, carved, duplicates, redundant, allowed } = pass;
  // a view, not a copy: the sorted order is not needed past this point (the pass wrote the
  // kept positions over it), and on shared memory (a run with a helper thread) the helper then
  // reads the names it writes without a copy
  const blocked = order.subarray(0, keptCount);
  const carvedEntries = Uint32Array.from(carved);
  return {
    table,
    blocked,
    carved: carvedEntries,
    get names() {
      return table.names(blocked);
    },
    get carveOuts() {
      return table.names(carvedEntries);
    },
    networks: collapseNetworks(networks),
    duplicates,
    redundant,
    allowed,
  };
}

/**
 * decideTable's pass over the sorted keys, in steps: `run` goes on from where it stopped up to
 * `sortedBelow` (a group of equal keys that may go on past it waits for the next step: the
 * helper thread may still be sorting there; see sortKeys). Kept entries (sorted positions) are
 * written over the sorted order as the pass goes (it only reads ahead: the kinds, at the
 * entries' indices before the sort). Its counters are fields, read into locals
 * for a step: a closure's variables would be read and written through its context at each use.
 */
class SortedPass {
  /** entries kept, at the start of the order */
  keptCount = 0;
  readonly carved: number[] = [];
  duplicates = 0;
  redundant = 0;
  allowed = 0;
  /** where the pass stopped */
  private at = 0;
  // The enclosing decisions, innermost last: the key length, what the subtree is (blocked or
  // carved out), whether it lies in an allowed subtree, and the shortest common prefix of the
  // keys seen since it (a key below it shares all of its bytes).
  private readonly frameLength: number[] = [];
  private readonly frameBlocks: boolean[] = [];
  private readonly frameAllowed: boolean[] = [];
  private readonly frameShared: number[] = [];

  /** `kinds`: the table's entry kinds; undefined when every entry is BLOCK (no read per name) */
  constructor(
    private readonly order: Uint32Array,
    private readonly total: number,
    private readonly kinds: Uint8Array | undefined,
  ) {}

  run(sortedBelow: number, { lcp, next, length: sortedLength }: Neighbours): void {
    const { order, total, kinds, carved, frameLength, frameBlocks, frameAllowed, frameShared } = this;
    let { at: i, keptCount, duplicates, redundant, allowed } = this;
    const push = (length: number, blocking: boolean, allowedBelow: boolean): void => {
      frameLength.push(length);
      frameBlocks.push(blocking);
      frameAllowed.push(allowedBelow);
      frameShared.push(255);
    };
    while (i < total) {
      // the group's first sorted position: the entry the decision keeps of it (the sort left
      // the table's starts and lengths in sorted order)
      const entry = i;
      const length = sortedLength[i]!;
      // the key's bytes shared with the previous key, and its byte right after them
      const shared = lcp[i]!;
      const after = next[i]!;
      let j = i + 1;
      while (j < sortedBelow && lcp[j] === length && next[j] === 0) j++;
      if (j === sortedBelow && sortedBelow < total) break;
      let flags = 0;
      let blocks = 0;
      for (let k = i; k < j; k++) {
        // a run without allowlist or exceptions has only BLOCK entries: no kind is read then (a
        // read at a random place in the table for each name)
        const kind = kinds === undefined ? BLOCK : kinds[order[k]!]!;
        flags |= kind;
        if (kind === BLOCK) blocks++;
      }
      i = j;
      if (blocks > 1) duplicates += blocks - 1;
      for (let f = 0; f < frameShared.length; f++) if (shared < frameShared[f]!) frameShared[f] = shared;
      // Below the innermost frame: all of its bytes shared, then a boundary. The keys below a
      // frame come right after it, so the first key that is not below it ends it for good.
      while (frameLength.length > 0) {
        const top = frameLength.length - 1;
        const n = frameLength[top]!;
        const below = frameShared[top]! >= n && length > n && (shared > n || after === BOUNDARY);
        if (below) break;
        frameLength.pop();
        frameBlocks.pop();
        frameAllowed.pop();
        frameShared.pop();
      }
      const top = frameLength.length - 1;
      const inAllowed = top >= 0 && frameAllowed[top]!;
      const blockedAbove = top >= 0 && frameBlocks[top]!;
      if (inAllowed || flags & (SUBTREE | EXACT)) {
        if (blocks > 0) allowed++;
        if (inAllowed) continue;
        if (blockedAbove) carved.push(entry);
        if (flags & SUBTREE || blockedAbove) push(length, false, (flags & SUBTREE) !== 0);
        continue;
      }
      if (blockedAbove) {
        redundant++;
        continue;
      }
      order[keptCount++] = entry;
      push(length, true, false);
    }
    this.at = i;
    this.keptCount = keptCount;
    this.duplicates = duplicates;
    this.redundant = redundant;
    this.allowed = allowed;
  }
}

/**
 * Deduplicated CIDRs without those inside another. CIDRs nest or are disjoint, so in order of
 * first address (wider first on a tie) one is inside a kept one exactly when it ends before the
 * furthest end kept so far in its family.
 */
export function collapseNetworks(networks: readonly string[]): string[] {
  const ranges = [...new Set(networks)].map((text) => ({ text, ...addressRange(text) }));
  ranges.sort((a, b) => a.family - b.family || (a.first < b.first ? -1 : a.first > b.first ? 1 : a.prefix - b.prefix));
  const out: string[] = [];
  let family = 0;
  let end = -1n;
  for (const r of ranges) {
    if (r.family === family && r.last <= end) continue;
    family = r.family;
    end = r.last;
    out.push(r.text);
  }
  return out;
}
