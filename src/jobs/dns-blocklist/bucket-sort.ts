import { keepLoaded, PREFETCH, prefetchBytes } from "./prefetch.js";

/**
 * Buckets of keys sorted by an MSD radix sort on an index array. A million names sorted as JS
 * strings cost a comparator call per comparison, ~20 per name. Here each bucket reads up to
 * seven bytes of each of its keys at once, packs them with the key's position into a 64-bit
 * integer, and orders those with the native sort of a BigUint64Array: one random read per key
 * and level (its bytes; its start and length move with it), everything else sequential, and no
 * comparator call. The sort of a run's keys (key-sort.ts) hands its buckets here.
 */

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
  for (let i = lo + 1; i < hi; i++) neighboursOf(bytes, place, i, depth, out);
}

/**
 * The sort's working arrays, one entry per sorted position: the key's index, and its start and
 * length, moved with it. Read in order at each level, where start[order[i]] would be a cache
 * miss per key and level.
 */
export interface Places {
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

/** Scratch space the sort's steps share: one 64-bit value a key, seen as two 32-bit halves. */
export interface Scratch {
  /** little-endian: the low half of value i at 2i, the high half at 2i + 1 */
  readonly halves: Uint32Array;
  readonly values: BigUint64Array;
  readonly movedLen: Uint8Array;
}

/**
 * The neighbours of the key at sorted position p, found by comparing it with the one before
 * from byte `depth` on (the bytes before it they share).
 */
export function neighboursOf(bytes: Uint8Array, place: Places, p: number, depth: number, out: Neighbours): void {
  const { at, len } = place;
  const sb = at[p]!;
  const lb = len[p]!;
  let d = depth;
  if (p > 0) {
    const sa = at[p - 1]!;
    const n = Math.min(len[p - 1]!, lb);
    while (d < n && bytes[sa + d] === bytes[sb + d]) d++;
  }
  out.lcp[p] = d;
  out.next[p] = d < lb ? bytes[sb + d]! : 0;
}

/** The most keys a bucket of `buckets` ((lo, hi, depth) triples) holds. */
export function largestBucket(buckets: readonly number[]): number {
  let largest = 0;
  for (let b = 0; b < buckets.length; b += 3) largest = Math.max(largest, buckets[b + 1]! - buckets[b]!);
  return largest;
}

/** Scratch space for sorting buckets of up to n keys. */
export function newScratch(n: number): Scratch {
  // one 64-bit value per key of a bucket, written as two 32-bit halves (little-endian: the low
  // half first) so no BigInt is ever made
  const words = new ArrayBuffer(n * 8);
  // a bucket's keys are moved into their sorted places through the halves a scan has read
  // (index, start) and movedLen (length): no second set of index and start arrays
  return { halves: new Uint32Array(words), values: new BigUint64Array(words), movedLen: new Uint8Array(n) };
}

/**
 * Sorts the buckets in `pending` ((lo, hi, depth) triples, each holding keys that share `depth`
 * bytes) and the buckets they split into, and records their keys' neighbours; the first key of
 * each given bucket is left as it is. The helper thread runs this too, on its own buckets.
 */
export function sortBuckets(bytes: Uint8Array, place: Places, scratch: Scratch, pending: number[], out: Neighbours): void {
  const { order, at, len } = place;
  const { halves, values, movedLen } = scratch;
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
}
