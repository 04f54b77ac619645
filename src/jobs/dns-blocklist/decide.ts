import { EMPTY_ALLOWLIST, type Allowlist } from "./allowlist.js";
import { addressRange } from "./ip-network.js";
import { inOrder, packKeys, sortKeys, type PackedKeys } from "./key-sort.js";
import type { ParsedList } from "./parse-list.js";

/** What the sources add up to, once the allowlist has had its say. */
export interface Decision {
  /** names to block, each blocking its subtree; none under another; sorted (LC_ALL=C order) */
  readonly names: string[];
  /**
   * allowed names that sit below a blocked name: unbound answers a name from its closest
   * local-zone, so these are written as zones that resolve normally (always_transparent); sorted
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
// In the reversed key a label boundary sorts below every name character ('-' included), so a
// name's subtree follows it as one run: "com.example" then "com.example.ads", and only then
// "com.example-ads".
const BOUNDARY = 0x01;

function writeReversed(name: string, bytes: Uint8Array, at: number): void {
  for (let i = name.length - 1; i >= 0; i--) {
    const c = name.charCodeAt(i);
    bytes[at++] = c === DOT ? BOUNDARY : c;
  }
}

function writeForward(name: string, bytes: Uint8Array, at: number): void {
  for (let i = 0; i < name.length; i++) bytes[at + i] = name.charCodeAt(i);
}

function sameKey(keys: PackedKeys, a: number, b: number): boolean {
  const n = keys.length[a]!;
  if (keys.length[b] !== n) return false;
  const sa = keys.start[a]!;
  const sb = keys.start[b]!;
  for (let d = 0; d < n; d++) if (keys.bytes[sa + d] !== keys.bytes[sb + d]) return false;
  return true;
}

/** key `k` names something strictly below key `parent` */
function isBelow(keys: PackedKeys, k: number, parent: number): boolean {
  const n = keys.length[parent]!;
  if (keys.length[k]! <= n) return false;
  const sk = keys.start[k]!;
  const sp = keys.start[parent]!;
  if (keys.bytes[sk + n] !== BOUNDARY) return false;
  for (let d = 0; d < n; d++) if (keys.bytes[sk + d] !== keys.bytes[sp + d]) return false;
  return true;
}

function identity(n: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** Names in byte order, without building a comparator call per comparison. */
function sortedNames(names: string[]): string[] {
  const keys = packKeys(names, writeForward);
  const order = identity(names.length);
  sortKeys(keys, order);
  const out = new Array<string>(names.length);
  for (let i = 0; i < order.length; i++) out[i] = names[order[i]!]!;
  return out;
}

/**
 * Union of the sources, minus the allowlist and the sources' exceptions (both taken as subtrees
 * for exceptions, as Adblock's `@@||x^` means), deduplicated and collapsed.
 *
 * Every name, allowed or blocked, is sorted once by its labels reversed; a name's ancestors then
 * come before it and its subtree right after it, so one pass with a stack of the enclosing
 * decisions settles each name: below an allowed subtree → dropped; allowed exactly → dropped, and
 * a carve-out if something above blocks it; blocked below a kept block → redundant; else kept.
 */
export function decide(lists: readonly ParsedList[], allow: Allowlist = EMPTY_ALLOWLIST): Decision {
  const all: string[] = [];
  const kinds: number[] = [];
  const add = (names: readonly string[], kind: number): void => {
    for (const n of names) {
      all.push(n);
      kinds.push(kind);
    }
  };
  for (const l of lists) add(l.names, BLOCK);
  add(allow.exact, EXACT);
  add(allow.subtrees, SUBTREE);
  for (const l of lists) add(l.exceptions, SUBTREE);

  const order = identity(all.length);
  const keys = (() => {
    const unsorted = packKeys(all, writeReversed);
    sortKeys(unsorted, order);
    return inOrder(unsorted, order);
  })();

  const kept: string[] = [];
  const carveOuts: string[] = [];
  let duplicates = 0;
  let redundant = 0;
  let allowed = 0;
  // the enclosing decisions: the key, what the subtree is (blocked or carved out), and
  // whether it lies in an allowed subtree
  const frameKey: number[] = [];
  const frameBlocks: boolean[] = [];
  const frameAllowed: boolean[] = [];
  // key i is entry order[i] of `all`
  for (let i = 0; i < order.length; ) {
    const k = i;
    let flags = 0;
    let blocks = 0;
    let j = i;
    for (; j < order.length && (j === i || sameKey(keys, j, k)); j++) {
      const kind = kinds[order[j]!]!;
      flags |= kind;
      if (kind === BLOCK) blocks++;
    }
    i = j;
    if (blocks > 1) duplicates += blocks - 1;
    while (frameKey.length > 0 && !isBelow(keys, k, frameKey[frameKey.length - 1]!)) {
      frameKey.pop();
      frameBlocks.pop();
      frameAllowed.pop();
    }
    const top = frameKey.length - 1;
    const inAllowed = top >= 0 && frameAllowed[top]!;
    const blockedAbove = top >= 0 && frameBlocks[top]!;
    const name = all[order[k]!]!;
    if (inAllowed || flags & (SUBTREE | EXACT)) {
      if (blocks > 0) allowed++;
      if (inAllowed) continue;
      if (blockedAbove) carveOuts.push(name);
      if (flags & SUBTREE || blockedAbove) {
        frameKey.push(k);
        frameBlocks.push(false);
        frameAllowed.push((flags & SUBTREE) !== 0);
      }
      continue;
    }
    if (blockedAbove) {
      redundant++;
      continue;
    }
    kept.push(name);
    frameKey.push(k);
    frameBlocks.push(true);
    frameAllowed.push(false);
  }
  return {
    names: sortedNames(kept),
    carveOuts: carveOuts.sort(),
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
