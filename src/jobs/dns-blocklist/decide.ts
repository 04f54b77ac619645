import { EMPTY_ALLOWLIST, type Allowlist } from "./allowlist.js";
import { addressRange } from "./ip-network.js";
import { packKeys, sortKeys } from "./key-sort.js";
import type { ParsedList } from "./parse-list.js";

/** What the sources add up to, once the allowlist has had its say. */
export interface Decision {
  /**
   * names to block, each blocking its subtree; none under another; in canonical DNS order
   * (RFC 4034 §6.1, compareNames), which keeps a domain's names together
   */
  readonly names: string[];
  /**
   * allowed names that sit below a blocked name: unbound answers a name from its closest
   * local-zone, so these are written as zones of their own that resolve normally; in canonical
   * DNS order
   */
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

const BLOCK = 1;
const EXACT = 2;
const SUBTREE = 4;

const DOT = 0x2e;
// The key of a name is its labels from the last to the first, each label's bytes in order,
// joined by a byte below every name character: byte order of keys is then the canonical DNS
// name order of RFC 4034 §6.1 (by the most significant, rightmost, label first; labels as
// octet strings, the absence of an octet before any octet), and a name's subtree follows it as
// one run:
// "com example" then "com example ads", and only then "com example-ads".
const BOUNDARY = 0x01;

function writeCanonical(name: string, bytes: Uint8Array, at: number): void {
  let end = name.length;
  for (let i = name.length - 1; i >= -1; i--) {
    if (i >= 0 && name.charCodeAt(i) !== DOT) continue;
    for (let j = i + 1; j < end; j++) bytes[at++] = name.charCodeAt(j);
    if (i >= 0) bytes[at++] = BOUNDARY;
    end = i;
  }
}

function identity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/**
 * Union of the sources, minus the allowlist (exact names and subtrees) and the sources'
 * exceptions (subtrees, as Adblock's `@@||x^` means), deduplicated and collapsed.
 *
 * Every name, allowed or blocked, is sorted once in canonical DNS order; a name's ancestors then
 * come before it and its subtree right after it, so one pass with a stack of the enclosing
 * decisions settles each name: below an allowed subtree → dropped; allowed exactly → dropped, and
 * a carve-out if something above blocks it; blocked below a kept block → redundant; else kept.
 */
export function decide(lists: readonly ParsedList[], allow: Allowlist = EMPTY_ALLOWLIST): Decision {
  const groups: (readonly string[])[] = [];
  const groupKinds: number[] = [];
  const add = (names: readonly string[], kind: number): void => {
    groups.push(names);
    groupKinds.push(kind);
  };
  for (const l of lists) add(l.names, BLOCK);
  add(allow.exact, EXACT);
  add(allow.subtrees, SUBTREE);
  for (const l of lists) add(l.exceptions, SUBTREE);
  // entry i of the key array is name i of the groups taken one after another
  const firstOf: number[] = [];
  let total = 0;
  for (const g of groups) {
    firstOf.push(total);
    total += g.length;
  }
  const kinds = new Uint8Array(total);
  for (const [i, g] of groups.entries()) kinds.fill(groupKinds[i]!, firstOf[i]!, firstOf[i]! + g.length);
  // the group an entry is in: the last whose first entry is at or before it
  const nameAt = (entry: number): string => {
    let lo = 0;
    let hi = groups.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (firstOf[mid]! <= entry) lo = mid;
      else hi = mid - 1;
    }
    return groups[lo]![entry - firstOf[lo]!]!;
  };

  const keys = packKeys(groups, writeCanonical);
  const order = identity(total);
  const { lcp, next } = sortKeys(keys, order);

  const kept: string[] = [];
  const carveOuts: string[] = [];
  let duplicates = 0;
  let redundant = 0;
  let allowed = 0;
  // The enclosing decisions, innermost last: the key length, what the subtree is (blocked or
  // carved out), whether it lies in an allowed subtree, and the shortest common prefix of the
  // keys seen since it (a key below it shares all of its bytes).
  const frameLength: number[] = [];
  const frameBlocks: boolean[] = [];
  const frameAllowed: boolean[] = [];
  const frameShared: number[] = [];
  const push = (length: number, blocking: boolean, allowedBelow: boolean): void => {
    frameLength.push(length);
    frameBlocks.push(blocking);
    frameAllowed.push(allowedBelow);
    frameShared.push(255);
  };
  for (let i = 0; i < total; ) {
    const entry = order[i]!;
    const length = keys.length[entry]!;
    // the key's bytes shared with the previous key, and its byte right after them
    const shared = lcp[i]!;
    const after = next[i]!;
    let flags = 0;
    let blocks = 0;
    let j = i;
    for (; j < total && (j === i || (lcp[j] === length && next[j] === 0)); j++) {
      const kind = kinds[order[j]!]!;
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
      if (blockedAbove) carveOuts.push(nameAt(entry));
      if (flags & SUBTREE || blockedAbove) push(length, false, (flags & SUBTREE) !== 0);
      continue;
    }
    if (blockedAbove) {
      redundant++;
      continue;
    }
    kept.push(nameAt(entry));
    push(length, true, false);
  }
  return {
    names: kept,
    carveOuts,
    networks: collapseNetworks(lists.flatMap((l) => l.networks)),
    duplicates,
    redundant,
    allowed,
  };
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
