import type { Places } from "./bucket-sort.js";
import type { BucketHelper } from "./key-sort.js";
import { PREFETCH, prefetchBytes } from "./prefetch.js";

/**
 * The first step of the key sort (key-sort.ts) for a big input: a cut into buckets by splitters
 * (a sample sort). The first eight bytes of every key are placed among up to 4095 splitters
 * drawn from a sample, by a binary search on the splitters alone, and the keys are moved to
 * their buckets by counting. Names share few leading bytes ("com", then a boundary), so a first
 * radix level over a million keys sorted all of them natively and still left buckets of tens of
 * thousands; the splitters leave buckets of a few hundred, in one pass and no sort. Measured on
 * the benchmark's million names: sorting ~420 → ~320 ms.
 */

// An input bigger than this is cut by splitters first; smaller ones start with a radix level
// (bucket-sort.ts), as the buckets the splitters leave do.
export const CUT_ABOVE = 1 << 16;
// ~250 keys a bucket for a million; the splitters (32 KiB) stay in the processor's cache
const SPLITTERS = 4095;
// Two samples a splitter: the sample is a step on one thread, taken cold (~16 ms for eight a
// splitter in a run of a million names, ~8 for two). Fewer samples make the buckets' sizes
// vary more, which costs nothing measurable: a bucket is sorted by radix whatever its size, and
// the largest (keys that share eight bytes) is as large either way (6 678 keys for eight, 7 115
// for two, on the benchmark's list).
const SAMPLES_PER_SPLITTER = 2;

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
 * `bucketOf` is the caller's room for each key's bucket (one entry a key; on shared memory when
 * a helper classifies half of them), free again once this returns.
 */
export function cutBySplitters(
  bytes: Uint8Array,
  place: Places,
  pending: number[],
  helper: BucketHelper | undefined,
  bucketOf: Uint16Array,
): Uint32Array {
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
