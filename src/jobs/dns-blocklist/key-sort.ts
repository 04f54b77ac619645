/**
 * Keys packed into one byte array, sorted by an MSD radix sort on an index array. A million
 * names sorted as JS strings cost a comparator call per comparison, ~20 per name. Here each
 * bucket reads up to seven bytes of each of its keys at once, packs them with the key's position
 * into a 64-bit integer, and orders those with the native sort of a BigUint64Array: one random
 * read per key and level, everything else sequential, and no comparator call.
 */
export interface PackedKeys {
  /** the bytes of every key, one after another; no key contains a 0 byte */
  readonly bytes: Uint8Array;
  /** where key i starts in bytes */
  readonly start: Uint32Array;
  /** its length (names are at most 253 bytes) */
  readonly length: Uint8Array;
}

// Buckets this small are finished by insertion sort: packing and a native sort call cost more
// than the few comparisons.
const SMALL = 32;

/** -1, 0, 1 as key a sorts before, with or after key b, comparing from byte `depth` on. */
function compareFrom(keys: PackedKeys, a: number, b: number, depth: number): number {
  const { bytes, start, length } = keys;
  const la = length[a]!;
  const lb = length[b]!;
  const sa = start[a]!;
  const sb = start[b]!;
  const n = la < lb ? la : lb;
  for (let d = depth; d < n; d++) {
    const x = bytes[sa + d]!;
    const y = bytes[sb + d]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la === lb ? 0 : la < lb ? -1 : 1;
}

function insertionSort(keys: PackedKeys, order: Uint32Array, lo: number, hi: number, depth: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const v = order[i]!;
    let j = i - 1;
    while (j >= lo && compareFrom(keys, order[j]!, v, depth) > 0) {
      order[j + 1] = order[j]!;
      j--;
    }
    order[j + 1] = v;
  }
}

/**
 * Sorts `order` (indices of keys) so the keys are in byte order, shorter before longer on a
 * common prefix.
 */
export function sortKeys(keys: PackedKeys, order: Uint32Array): void {
  const { bytes, start, length } = keys;
  const words = new ArrayBuffer(order.length * 8);
  // one 64-bit value per key of a bucket, written as two 32-bit halves (little-endian: the low
  // half first) so no BigInt is ever made
  const halves = new Uint32Array(words);
  const values = new BigUint64Array(words);
  const scratch = new Uint32Array(order.length);
  // pending buckets: (lo, hi, depth) triples
  const pending: number[] = [0, order.length, 0];
  while (pending.length > 0) {
    const depth = pending.pop()!;
    const hi = pending.pop()!;
    const lo = pending.pop()!;
    const n = hi - lo;
    if (n <= SMALL) {
      insertionSort(keys, order, lo, hi, depth);
      continue;
    }
    // the high half holds four key bytes; the low half the key's position in the bucket in as
    // few bits as the bucket needs, and as many further key bytes as fit above it
    const positionBits = n <= 0x100 ? 8 : n <= 0x10000 ? 16 : n <= 0x1000000 ? 24 : 32;
    const width = 4 + ((32 - positionBits) >> 3);
    for (let i = 0; i < n; i++) {
      const k = order[lo + i]!;
      const s = start[k]! + depth;
      // a key that has ended reads as 0, below every byte a key holds
      const left = length[k]! - depth;
      let high = 0;
      for (let b = 0; b < 4; b++) high = (high << 8) | (b < left ? bytes[s + b]! : 0);
      let low = 0;
      for (let b = 4; b < width; b++) low = (low << 8) | (b < left ? bytes[s + b]! : 0);
      halves[2 * i + 1] = high >>> 0;
      halves[2 * i] = (positionBits === 32 ? i : (low << positionBits) | i) >>> 0;
    }
    values.subarray(0, n).sort();
    const mask = positionBits === 32 ? 0xffffffff : 2 ** positionBits - 1;
    let runStart = 0;
    let runHigh = -1;
    let runLow = -1;
    for (let i = 0; i <= n; i++) {
      let high = -2;
      let low = -2;
      if (i < n) {
        high = halves[2 * i + 1]!;
        const w = halves[2 * i]!;
        low = positionBits === 32 ? 0 : w >>> positionBits;
        scratch[i] = order[lo + ((w & mask) >>> 0)]!;
      }
      if (high !== runHigh || low !== runLow) {
        // a run of equal bytes goes on to the next ones, unless its keys ended (equal keys)
        const ended = (width === 4 ? runHigh & 0xff : runLow & 0xff) === 0;
        if (i - runStart > 1 && !ended) pending.push(lo + runStart, lo + i, depth + width);
        runStart = i;
        runHigh = high;
        runLow = low;
      }
    }
    order.set(scratch.subarray(0, n), lo);
  }
}

/** The keys of `names`, each written by `write` (forward, reversed…) into one byte array. */
export function packKeys(names: readonly string[], write: (name: string, bytes: Uint8Array, at: number) => void): PackedKeys {
  let total = 0;
  for (const n of names) total += n.length;
  const bytes = new Uint8Array(total);
  const start = new Uint32Array(names.length);
  const length = new Uint8Array(names.length);
  let at = 0;
  for (let i = 0; i < names.length; i++) {
    const n = names[i]!;
    start[i] = at;
    length[i] = n.length;
    write(n, bytes, at);
    at += n.length;
  }
  return { bytes, start, length };
}

/**
 * For each key in sorted order, how many leading bytes it shares with the key before it (`lcp`)
 * and its byte right after those (`next`, 0 where the key ends). A pass over sorted keys needs
 * no more than these to tell repeats and descendants apart, and each key is read once, next to
 * the key read just before it.
 */
export function neighbours(keys: PackedKeys, order: Uint32Array): { lcp: Uint8Array; next: Uint8Array } {
  const { bytes, start, length } = keys;
  const lcp = new Uint8Array(order.length);
  const next = new Uint8Array(order.length);
  for (let i = 0; i < order.length; i++) {
    const b = order[i]!;
    const sb = start[b]!;
    const lb = length[b]!;
    let d = 0;
    if (i > 0) {
      const a = order[i - 1]!;
      const sa = start[a]!;
      const n = Math.min(length[a]!, lb);
      while (d < n && bytes[sa + d] === bytes[sb + d]) d++;
    }
    lcp[i] = d;
    next[i] = d < lb ? bytes[sb + d]! : 0;
  }
  return { lcp, next };
}
