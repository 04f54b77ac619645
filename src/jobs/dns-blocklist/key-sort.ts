import { keepLoaded, PREFETCH, prefetchBytes } from "./prefetch.js";

/**
 * Keys packed into one byte array, sorted by an MSD radix sort on an index array. A million
 * names sorted as JS strings cost a comparator call per comparison, ~20 per name. Here each
 * bucket reads up to seven bytes of each of its keys at once, packs them with the key's position
 * into a 64-bit integer, and orders those with the native sort of a BigUint64Array: one random
 * read per key and level (its bytes; its start and length move with it), everything else
 * sequential, and no comparator call.
 */
export interface PackedKeys {
  /** the bytes of every key, one after another; no key contains a 0 byte */
  readonly bytes: Uint8Array;
  /** where key i starts in bytes */
  readonly start: Uint32Array;
  /** its length (names are at most 253 bytes) */
  readonly length: Uint8Array;
}

/**
 * What the sort learns about neighbours on the way, for a pass over the sorted keys: for the
 * key at each sorted position, how many leading bytes it shares with the key before it (`lcp`)
 * and its byte right after those (`next`, 0 where the key ends).
 */
export interface Neighbours {
  readonly lcp: Uint8Array;
  readonly next: Uint8Array;
  /** the length of the key at each sorted position (read in order, not at the key's index) */
  readonly length: Uint8Array;
}

// Buckets this small are finished by insertion sort: packing and a native sort call cost more
// than the few comparisons.
const SMALL = 32;

/** -1, 0, 1 as the key at `a` (length `la`) sorts before, with or after the one at `b`, from byte `depth` on. */
function compareFrom(bytes: Uint8Array, sa: number, la: number, sb: number, lb: number, depth: number): number {
  const n = Math.min(la, lb);
  for (let d = depth; d < n; d++) {
    const x = bytes[sa + d]!;
    const y = bytes[sb + d]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

/** Sorts a small bucket whose keys share `depth` bytes, and records its neighbours. */
function insertionSort(bytes: Uint8Array, place: Places, lo: number, hi: number, depth: number, out: Neighbours): void {
  const { order, at, len } = place;
  prefetchBytes(bytes, at, lo, hi, depth);
  for (let i = lo + 1; i < hi; i++) {
    const v = order[i]!;
    const sv = at[i]!;
    const lv = len[i]!;
    let j = i - 1;
    while (j >= lo && compareFrom(bytes, at[j]!, len[j]!, sv, lv, depth) > 0) {
      order[j + 1] = order[j]!;
      at[j + 1] = at[j]!;
      len[j + 1] = len[j]!;
      j--;
    }
    order[j + 1] = v;
    at[j + 1] = sv;
    len[j + 1] = lv;
  }
  for (let i = lo + 1; i < hi; i++) {
    const sa = at[i - 1]!;
    const sb = at[i]!;
    const lb = len[i]!;
    const n = Math.min(len[i - 1]!, lb);
    let d = depth;
    while (d < n && bytes[sa + d] === bytes[sb + d]) d++;
    out.lcp[i] = d;
    out.next[i] = d < lb ? bytes[sb + d]! : 0;
  }
}

/**
 * The sort's working arrays, one entry per sorted position: the key's index, and its start and
 * length, moved with it. Read in order at each level, where start[order[i]] would be a cache
 * miss per key and level.
 */
interface Places {
  readonly order: Uint32Array;
  readonly at: Uint32Array;
  readonly len: Uint8Array;
}

/** Loads the places the sorted values [from, to) of a bucket at `lo` came from (prefetch.ts). */
function prefetchPlaces(halves: Uint32Array, place: Places, lo: number, from: number, to: number, mask: number): void {
  const { order, at, len } = place;
  let seen = 0;
  for (let i = from; i < to; i++) {
    const p = lo + ((halves[2 * i]! & mask) >>> 0);
    seen += order[p]! + at[p]! + len[p]!;
  }
  keepLoaded(seen);
}

/** the byte at `index` (0 = most significant) of a level's packed key bytes */
function packedByte(high: number, low: number, index: number, width: number): number {
  if (index < 4) return (high >>> (24 - 8 * index)) & 0xff;
  return (low >>> (8 * (width - 1 - index))) & 0xff;
}

/**
 * Sorts `order` (indices of keys) so the keys are in byte order, shorter before longer on a
 * common prefix; returns the neighbours of each sorted position.
 */
export function sortKeys(keys: PackedKeys, order: Uint32Array): Neighbours {
  const { bytes, start, length } = keys;
  const lcp = new Uint8Array(order.length);
  const next = new Uint8Array(order.length);
  const words = new ArrayBuffer(order.length * 8);
  // one 64-bit value per key of a bucket, written as two 32-bit halves (little-endian: the low
  // half first) so no BigInt is ever made
  const halves = new Uint32Array(words);
  const values = new BigUint64Array(words);
  const at = new Uint32Array(order.length);
  const len = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    at[i] = start[k]!;
    len[i] = length[k]!;
  }
  const place: Places = { order, at, len };
  // the lengths move with their keys, so the sorted ones come for free
  const out: Neighbours = { lcp, next, length: len };
  // a bucket's keys are moved into their sorted places through the halves a scan has read
  // (index, start) and this (length): no second set of index and start arrays
  const movedLen = new Uint8Array(order.length);
  // pending buckets: (lo, hi, depth) triples; a bucket's first key has its neighbours already
  const pending: number[] = [0, order.length, 0];
  while (pending.length > 0) {
    const depth = pending.pop()!;
    const hi = pending.pop()!;
    const lo = pending.pop()!;
    const n = hi - lo;
    if (n <= SMALL) {
      insertionSort(bytes, place, lo, hi, depth, out);
      continue;
    }
    // the high half holds four key bytes; the low half the key's position in the bucket in as
    // few bits as the bucket needs, and as many further key bytes as fit above it
    const positionBits = n <= 0x100 ? 8 : n <= 0x10000 ? 16 : n <= 0x1000000 ? 24 : 32;
    const width = 4 + ((32 - positionBits) >> 3);
    for (let i = 0; i < n; i++) {
      if (i % PREFETCH === 0) prefetchBytes(bytes, at, lo + i, lo + Math.min(n, i + PREFETCH), depth);
      const s = at[lo + i]! + depth;
      // a key that has ended reads as 0, below every byte a key holds
      const left = len[lo + i]! - depth;
      let high = 0;
      let low = 0;
      if (left >= width) {
        high = (bytes[s]! << 24) | (bytes[s + 1]! << 16) | (bytes[s + 2]! << 8) | bytes[s + 3]!;
        for (let b = 4; b < width; b++) low = (low << 8) | bytes[s + b]!;
      } else {
        for (let b = 0; b < 4; b++) high = (high << 8) | (b < left ? bytes[s + b]! : 0);
        for (let b = 4; b < width; b++) low = (low << 8) | (b < left ? bytes[s + b]! : 0);
      }
      halves[2 * i + 1] = high >>> 0;
      halves[2 * i] = (positionBits === 32 ? i : (low << positionBits) | i) >>> 0;
    }
    values.subarray(0, n).sort();
    const mask = positionBits === 32 ? 0xffffffff : 2 ** positionBits - 1;
    let runStart = 0;
    let runHigh = -1;
    let runLow = -1;
    for (let i = 0; i <= n; i++) {
      if (i % PREFETCH === 0) prefetchPlaces(halves, place, lo, i, Math.min(n, i + PREFETCH), mask);
      let high = -2;
      let low = -2;
      if (i < n) {
        high = halves[2 * i + 1]!;
        const w = halves[2 * i]!;
        low = positionBits === 32 ? 0 : w >>> positionBits;
        const from = lo + ((w & mask) >>> 0);
        halves[2 * i] = order[from]!;
        halves[2 * i + 1] = at[from]!;
        movedLen[i] = len[from]!;
      }
      if (high === runHigh && low === runLow) continue;
      if (i - runStart > 1) {
        // the run that ends here: equal keys, or a bucket for the next bytes
        let end = width;
        for (let b = 0; b < width; b++) {
          if (packedByte(runHigh, runLow, b, width) === 0) {
            end = b;
            break;
          }
        }
        if (end < width) {
          for (let r = runStart + 1; r < i; r++) {
            out.lcp[lo + r] = depth + end;
            out.next[lo + r] = 0;
          }
        } else pending.push(lo + runStart, lo + i, depth + width);
      }
      if (i > 0 && i < n) {
        // the first key of the next run shares with the run before it the bytes up to the
        // first that differs here
        const differHigh = (runHigh ^ high) >>> 0;
        const c = differHigh !== 0 ? Math.clz32(differHigh) >> 3 : 4 + ((Math.clz32((runLow ^ low) >>> 0) - (64 - 8 * width)) >> 3);
        out.lcp[lo + i] = depth + c;
        out.next[lo + i] = packedByte(high, low, c, width);
      }
      runStart = i;
      runHigh = high;
      runLow = low;
    }
    for (let i = 0; i < n; i++) {
      order[lo + i] = halves[2 * i]!;
      at[lo + i] = halves[2 * i + 1]!;
    }
    len.set(movedLen.subarray(0, n), lo);
  }
  if (order.length > 0) out.next[0] = len[0]! > 0 ? bytes[at[0]!]! : 0;
  return out;
}
