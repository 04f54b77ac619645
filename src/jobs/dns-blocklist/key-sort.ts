import { keepLoaded, PREFETCH, prefetchBytes } from "./prefetch.js";

/**
 * Keys packed into one byte array, sorted by an MSD radix sort on an index array. A million
 * names sorted as JS strings cost a comparator call per comparison, ~20 per name. Here each
 * bucket reads up to seven bytes of each of its keys at once, packs them with the key's position
 * into a 64-bit integer, and orders those with the native sort of a BigUint64Array: one random
 * read per key and level (its bytes; its start and length move with it), everything else
 * sequential, and no comparator call.
 *
 * A big input is first cut by splitters (a sample sort): the first eight bytes of every key are
 * placed among 4095 splitters drawn from a sample, by a binary search on the splitters alone,
 * and the keys are moved to their buckets by counting. Names share few leading bytes ("com",
 * then a boundary), so the first radix level over a million keys sorted all of them natively
 * and still left buckets of tens of thousands; the splitters leave buckets of a few hundred, in
 * one pass and no sort. Measured on the benchmark's million names: sorting ~420 → ~320 ms.
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

// An input bigger than this is first cut by splitters (see the top); smaller ones start with a
// radix level, as the buckets the splitters leave do.
const SAMPLE_ABOVE = 1 << 16;
// ~250 keys a bucket for a million; the splitters (32 KiB) stay in the processor's cache
const SPLITTERS = 4095;
const SAMPLES_PER_SPLITTER = 8;

/** The first eight bytes of the key at `s` (`n` long), 0 past its end, as big-endian halves into pair[0] and pair[1]. */
function firstEight(bytes: Uint8Array, s: number, n: number, pair: Uint32Array): void {
  let high = 0;
  let low = 0;
  if (n >= 8) {
    high = (bytes[s]! << 24) | (bytes[s + 1]! << 16) | (bytes[s + 2]! << 8) | bytes[s + 3]!;
    low = (bytes[s + 4]! << 24) | (bytes[s + 5]! << 16) | (bytes[s + 6]! << 8) | bytes[s + 7]!;
  } else {
    for (let b = 0; b < 4; b++) high = (high << 8) | (b < n ? bytes[s + b]! : 0);
    for (let b = 4; b < 8; b++) low = (low << 8) | (b < n ? bytes[s + b]! : 0);
  }
  pair[0] = high >>> 0;
  pair[1] = low >>> 0;
}

/** Scratch space the sort's steps share: one 64-bit value a key, seen as two 32-bit halves. */
export interface Scratch {
  /** little-endian: the low half of value i at 2i, the high half at 2i + 1 */
  readonly halves: Uint32Array;
  readonly values: BigUint64Array;
  readonly movedLen: Uint8Array;
}

/** Splitters of a cut: `count` of them, each eight key bytes as a high and a low half. */
export interface Splitters {
  readonly high: Uint32Array;
  readonly low: Uint32Array;
  readonly count: number;
}

/**
 * The bucket of each key at sorted positions [from, to) (how many splitters are at or below its
 * first eight bytes), into bucketOf; counts[b + 1] counts the keys of bucket b. The helper
 * thread runs this too, on the upper half of a big cut.
 */
export function classify(
  bytes: Uint8Array,
  at: Uint32Array,
  len: Uint8Array,
  splitters: Splitters,
  from: number,
  to: number,
  bucketOf: Uint16Array,
  counts: Uint32Array,
): void {
  const { high: splitHigh, low: splitLow, count: k } = splitters;
  const pair = new Uint32Array(2);
  for (let i = from; i < to; i++) {
    if ((i - from) % PREFETCH === 0) prefetchBytes(bytes, at, i, Math.min(to, i + PREFETCH), 0);
    firstEight(bytes, at[i]!, len[i]!, pair);
    const high = pair[0]!;
    const low = pair[1]!;
    let a = 0;
    let z = k;
    while (a < z) {
      const mid = (a + z) >>> 1;
      const h = splitHigh[mid]!;
      if (h < high || (h === high && splitLow[mid]! <= low)) a = mid + 1;
      else z = mid;
    }
    bucketOf[i] = a;
    counts[a + 1]!++;
  }
}

/**
 * Cuts all of `place` into buckets between splitters, taken from a sorted sample of the keys'
 * first eight bytes. Bucket b holds the keys from splitter b - 1 (included) to splitter b; its
 * keys all share the bytes those two splitters share, so its radix sort starts there. Pushes
 * the buckets to `pending` in key order; returns where they start (a bucket's first key learns
 * its neighbours once all is sorted: the key before it is in another bucket).
 *
 * The keys are moved to their buckets in place, along the cycles of the move (an American flag
 * sort's step): a copy of the index and start arrays would be 8 bytes a key more at the peak.
 */
function cutBySplitters(bytes: Uint8Array, place: Places, pending: number[], helper: BucketHelper | undefined): Uint32Array {
  const { order, at, len } = place;
  const n = order.length;
  const pair = new Uint32Array(2);
  const samples = Math.min(n, (SPLITTERS + 1) * SAMPLES_PER_SPLITTER);
  // the samples' eight bytes as 64-bit values, two 32-bit halves each (low half first)
  const words = new ArrayBuffer(samples * 8);
  const halves = new Uint32Array(words);
  for (let j = 0; j < samples; j++) {
    const i = Math.floor((j * n) / samples);
    firstEight(bytes, at[i]!, len[i]!, pair);
    halves[2 * j + 1] = pair[0]!;
    halves[2 * j] = pair[1]!;
  }
  new BigUint64Array(words).sort();
  const splitHigh = new Uint32Array(SPLITTERS);
  const splitLow = new Uint32Array(SPLITTERS);
  let k = 0;
  for (let j = SAMPLES_PER_SPLITTER; j < samples && k < SPLITTERS; j += SAMPLES_PER_SPLITTER) {
    const high = halves[2 * j + 1]!;
    const low = halves[2 * j]!;
    // many keys may share eight bytes: a splitter is taken once
    if (k > 0 && splitHigh[k - 1] === high && splitLow[k - 1] === low) continue;
    splitHigh[k] = high;
    splitLow[k] = low;
    k++;
  }
  const splitters: Splitters = { high: splitHigh, low: splitLow, count: k };
  const bucketOf = new Uint16Array(helper === undefined ? new ArrayBuffer(n * 2) : new SharedArrayBuffer(n * 2));
  // counts, then where each bucket's next key goes
  const next = new Uint32Array(k + 2);
  if (helper === undefined) classify(bytes, at, len, splitters, 0, n, bucketOf, next);
  else {
    // the upper half is classified on the helper thread meanwhile, with counts of its own
    const half = n >>> 1;
    const theirs = new Uint32Array(new SharedArrayBuffer((k + 2) * 4));
    helper.hand({ kind: "classify", arrays: { bytes, at, len }, splitters, from: half, to: n, bucketOf, counts: theirs });
    classify(bytes, at, len, splitters, 0, half, bucketOf, next);
    if (!helper.finish()) classify(bytes, at, len, splitters, half, n, bucketOf, theirs);
    for (let b = 0; b < next.length; b++) next[b]! += theirs[b]!;
  }
  for (let b = 1; b <= k + 1; b++) next[b]! += next[b - 1]!;
  const starts = next.slice(0, k + 2);
  for (let b = 0; b <= k; b++) {
    const end = starts[b + 1]!;
    for (let i = next[b]!; i < end; i = next[b]!) {
      let to = bucketOf[i]!;
      if (to === b) {
        next[b]!++;
        continue;
      }
      // carry the key at i to its bucket, the key found there to its own, … until one for
      // bucket b comes back to i
      let o = order[i]!;
      let s = at[i]!;
      let l = len[i]!;
      while (to !== b) {
        const j = next[to]!++;
        const nextTo = bucketOf[j]!;
        const o2 = order[j]!;
        const s2 = at[j]!;
        const l2 = len[j]!;
        order[j] = o;
        at[j] = s;
        len[j] = l;
        o = o2;
        s = s2;
        l = l2;
        to = nextTo;
      }
      order[i] = o;
      at[i] = s;
      len[i] = l;
      next[b]!++;
    }
  }
  for (let b = 0; b <= k; b++) {
    const lo = starts[b]!;
    const hi = starts[b + 1]!;
    if (hi - lo < 2) continue;
    // the bytes the bucket's two splitters share (none for the first and the last bucket); a
    // shared byte is never a 0 of a key's end, or the two splitters would be equal
    let depth = 0;
    if (b > 0 && b < k) {
      const differHigh = (splitHigh[b - 1]! ^ splitHigh[b]!) >>> 0;
      depth = differHigh !== 0 ? Math.clz32(differHigh) >> 3 : 4 + (Math.clz32((splitLow[b - 1]! ^ splitLow[b]!) >>> 0) >> 3);
    }
    pending.push(lo, hi, depth);
  }
  return starts.subarray(0, k + 1);
}

/**
 * The neighbours of the key at sorted position p, found by comparing it with the one before
 * from byte `depth` on (the bytes before it they share).
 */
function neighboursOf(bytes: Uint8Array, place: Places, p: number, depth: number, out: Neighbours): void {
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

/**
 * The arrays a sort works on, as the helper thread also sees them (each on a SharedArrayBuffer
 * then): the keys' bytes, the sorted positions' index, start and length, and the neighbours.
 */
export interface SortArrays {
  readonly bytes: Uint8Array;
  readonly order: Uint32Array;
  readonly at: Uint32Array;
  readonly len: Uint8Array;
  readonly lcp: Uint8Array;
  readonly next: Uint8Array;
}

/** Part of a sort a second thread can take; its arrays are on shared memory. */
export type SortWork =
  | {
      readonly kind: "buckets";
      readonly arrays: SortArrays;
      /** (lo, hi, depth) triples */
      readonly buckets: readonly number[];
    }
  | {
      readonly kind: "classify";
      readonly arrays: Pick<SortArrays, "bytes" | "at" | "len">;
      readonly splitters: Splitters;
      readonly from: number;
      readonly to: number;
      readonly bucketOf: Uint16Array;
      /** the part's own counts, as classify keeps them */
      readonly counts: Uint32Array;
    };

/**
 * A second thread that takes part of a sort: `hand` gives it work and returns at once; `finish`
 * waits until it is done, and is false when it never began (the caller then does it itself).
 */
export interface BucketHelper {
  hand(work: SortWork): void;
  finish(): boolean;
}

// The helper gets buckets only from an input this big: below it, handing over costs more than
// it saves.
const SHARE_ABOVE = 1 << 18;

/** The arrays of a sort of n keys: on shared memory when a helper thread will see them. */
function sortArrays(bytes: Uint8Array, n: number, shared: boolean): Omit<SortArrays, "order"> {
  const memory = (size: number): ArrayBufferLike => (shared ? new SharedArrayBuffer(size) : new ArrayBuffer(size));
  return {
    bytes,
    at: new Uint32Array(memory(n * 4)),
    len: new Uint8Array(memory(n)),
    lcp: new Uint8Array(memory(n)),
    next: new Uint8Array(memory(n)),
  };
}

/**
 * Sorts `order` (indices of keys) so the keys are in byte order, shorter before longer on a
 * common prefix; returns the neighbours of each sorted position.
 *
 * With a helper (and `keys.bytes` and `order` on shared memory), a big input's buckets, once
 * cut, are sorted on two threads: the helper takes the upper half of the keys, this thread the
 * lower.
 */
export function sortKeys(keys: PackedKeys, order: Uint32Array, helper?: BucketHelper): Neighbours {
  const { bytes, start, length } = keys;
  const n = order.length;
  const share =
    helper !== undefined && n > SHARE_ABOVE && bytes.buffer instanceof SharedArrayBuffer && order.buffer instanceof SharedArrayBuffer;
  const arrays: SortArrays = { ...sortArrays(bytes, n, share), order };
  const { at, len, lcp, next } = arrays;
  for (let i = 0; i < n; i++) {
    const k = order[i]!;
    at[i] = start[k]!;
    len[i] = length[k]!;
  }
  const place: Places = { order, at, len };
  // the lengths move with their keys, so the sorted ones come for free
  const out: Neighbours = { lcp, next, length: len };
  // pending buckets: (lo, hi, depth) triples; a bucket's first key has its neighbours already,
  // but for the first keys of the input and of the buckets cut by splitters (`firsts`): theirs
  // are found once all is sorted
  const pending: number[] = [];
  let firsts: Uint32Array = Uint32Array.of(0);
  if (n > SAMPLE_ABOVE) firsts = cutBySplitters(bytes, place, pending, share ? helper : undefined);
  else pending.push(0, n, 0);
  // scratch for the biggest bucket (a bucket only splits into smaller ones), not for all keys:
  // after a cut, a few thousand for lists like the benchmark's
  const scratch = newScratch(largestBucket(pending));
  if (share) {
    // the cut pushed its buckets in key order; the helper takes those from the middle key on
    let split = 0;
    while (split < pending.length && pending[split]! < n / 2) split += 3;
    const theirs = pending.splice(split);
    helper.hand({ kind: "buckets", arrays, buckets: theirs });
    sortBuckets(bytes, place, scratch, pending, out);
    if (!helper.finish()) sortBuckets(bytes, place, scratch, theirs, out);
  } else sortBuckets(bytes, place, scratch, pending, out);
  for (const p of firsts) if (p < n) neighboursOf(bytes, place, p, 0, out);
  return out;
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
