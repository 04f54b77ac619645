import { largestBucket, type Neighbours, neighboursOf, newScratch, type Places, sortBuckets } from "./bucket-sort.js";
import { memoryFor } from "./helper-jobs.js";
import { CUT_ABOVE, cutBySplitters, type Splitters } from "./splitter-cut.js";

/**
 * The sort of a run's keys, packed into one byte array: a big input is first cut into buckets
 * by splitters (splitter-cut.ts), and the buckets are sorted by radix (bucket-sort.ts); with a
 * helper thread, the cut and the buckets are shared between two threads.
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
      readonly kind: "places";
      readonly arrays: Pick<SortArrays, "order" | "at" | "len">;
      readonly keys: Pick<PackedKeys, "start" | "length">;
      readonly from: number;
      readonly to: number;
    }
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

// The part of the keys whose buckets this thread sorts when the helper sorts the rest: a little
// under half, for the caller's work meanwhile (decide's pass over them: ~15 ms of a million).
const MY_BUCKETS = 0.47;

// The helper gets buckets only from an input this big: below it, handing over costs more than
// it saves.
const SHARE_ABOVE = 1 << 18;

/** whether an array is on shared memory (a helper thread sees it) */
const onShared = (a: ArrayBufferView): boolean => a.buffer instanceof SharedArrayBuffer;

/**
 * Sorts the first `order.length` keys so that they are in byte order, shorter before longer on
 * a common prefix: `order` gets their indices in that order (whatever it held before), and the
 * keys' own starts and lengths (`keys.start`, `keys.length`) are sorted with them, in place:
 * after the sort, start[i] and length[i] are those of the key at sorted position i, whose index
 * was order[i]. Returns the neighbours of each sorted position.
 *
 * With a helper (and `keys.bytes` and `order` on shared memory), a big input's buckets, once
 * cut, are sorted on two threads: the helper takes the upper half of the keys, this thread the
 * lower. `meanwhile` is then called with the position below which order and neighbours are
 * final (and the neighbours, final only there), while the helper may still sort above it: the
 * caller's own work on the lower part overlaps the helper's.
 */
export function sortKeys(
  keys: PackedKeys,
  order: Uint32Array,
  helper?: BucketHelper,
  meanwhile?: (sortedBelow: number, neighbours: Neighbours) => void,
): Neighbours {
  const { bytes, start, length } = keys;
  const n = order.length;
  const share = helper !== undefined && n > SHARE_ABOVE && onShared(bytes) && onShared(order);
  // Sorted where they are, so that no copy costs a first touch of fresh memory (4 MB and 1 MB
  // for a million keys); starts and lengths the helper cannot see are sorted as copies on
  // shared memory, and copied back.
  const own = !share || (onShared(start) && onShared(length));
  const at = own ? start.subarray(0, n) : new Uint32Array(memoryFor(n * 4, true));
  const len = own ? length.subarray(0, n) : new Uint8Array(memoryFor(n, true));
  // The neighbours, lcp and next, lie side by side in one buffer: until the buckets are
  // sorted (which writes every position's neighbours), the cut keeps each key's bucket there
  // (splitter-cut.ts), so that memory is touched once for both.
  const neighbours = memoryFor(2 * n, share);
  const lcp = new Uint8Array(neighbours, 0, n);
  const next = new Uint8Array(neighbours, n, n);
  const arrays: SortArrays = { bytes, order, at, len, lcp, next };
  const place: Places = { order, at, len };
  if (share) {
    // the upper half is filled on the helper thread meanwhile (most of it is the first touch
    // of fresh pages, a cost that halves on two threads)
    const half = n >>> 1;
    helper.hand({ kind: "places", arrays: place, keys: { start, length }, from: half, to: n });
    firstPlaces(place, keys, 0, half);
    if (!helper.finish()) firstPlaces(place, keys, half, n);
  } else firstPlaces(place, keys, 0, n);
  // the lengths move with their keys, so the sorted ones come for free
  const out: Neighbours = { lcp, next, length: len };
  // pending buckets: (lo, hi, depth) triples; a bucket's first key has its neighbours already,
  // but for the first keys of the input and of the buckets cut by splitters (`firsts`): theirs
  // are found once all is sorted
  const pending: number[] = [];
  let firsts: Uint32Array = Uint32Array.of(0);
  if (n > CUT_ABOVE) firsts = cutBySplitters(bytes, place, pending, share ? helper : undefined, new Uint16Array(neighbours, 0, n));
  else pending.push(0, n, 0);
  // scratch for the biggest bucket (a bucket only splits into smaller ones), not for all keys:
  // after a cut, a few thousand for lists like the benchmark's
  const scratch = newScratch(largestBucket(pending));
  if (share) {
    // the cut pushed its buckets in key order; the helper takes those from a key a little
    // below the middle on (this thread has `meanwhile` to do)
    let split = 0;
    while (split < pending.length && pending[split]! < n * MY_BUCKETS) split += 3;
    const sortedBelow = split < pending.length ? pending[split]! : n;
    const theirs = pending.splice(split);
    helper.hand({ kind: "buckets", arrays, buckets: theirs });
    sortBuckets(bytes, place, scratch, pending, out);
    for (const p of firsts) if (p < sortedBelow) neighboursOf(bytes, place, p, 0, out);
    meanwhile?.(sortedBelow, out);
    if (!helper.finish()) sortBuckets(bytes, place, scratch, theirs, out);
    for (const p of firsts) if (p >= sortedBelow && p < n) neighboursOf(bytes, place, p, 0, out);
  } else {
    sortBuckets(bytes, place, scratch, pending, out);
    for (const p of firsts) if (p < n) neighboursOf(bytes, place, p, 0, out);
  }
  if (!own) {
    start.set(at);
    length.set(len);
  }
  return out;
}

/**
 * The keys at positions [from, to) in their own order: each its own index, and its start and
 * length where the sort works on copies. The helper thread runs this too, on the upper half of
 * a big input.
 */
export function firstPlaces(place: Places, keys: Pick<PackedKeys, "start" | "length">, from: number, to: number): void {
  const { order, at, len } = place;
  for (let i = from; i < to; i++) order[i] = i;
  if (at.buffer !== keys.start.buffer) at.set(keys.start.subarray(from, to), from);
  if (len.buffer !== keys.length.buffer) len.set(keys.length.subarray(from, to), from);
}
