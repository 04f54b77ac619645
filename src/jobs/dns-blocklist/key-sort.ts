/**
 * Keys packed into one byte array, sorted by an MSD radix sort on an index array. A million
 * names sorted as JS strings cost a comparator call per comparison, ~20 per name. Here each key
 * is read three bytes at a time, once per level, and the level is ordered by the native sort of a
 * Float64Array (three key bytes and the key's position packed in one exact double): one random
 * read per key and level, everything else sequential.
 */
export interface PackedKeys {
  /** the bytes of every key, one after another; no key contains a 0 byte */
  readonly bytes: Uint8Array;
  /** where key i starts in bytes */
  readonly start: Uint32Array;
  /** its length (names are at most 253 bytes) */
  readonly length: Uint8Array;
}

// Buckets this small are finished by insertion sort: the packing and the native sort call cost
// more than the few comparisons.
const SMALL = 16;
// 24 bits of key and 29 bits of position make 53: exact in a double (keys ≤ 2^29 per bucket)
const POSITION = 2 ** 29;

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
 * common prefix: for ASCII names that is JavaScript's string order and `LC_ALL=C sort`.
 */
export function sortKeys(keys: PackedKeys, order: Uint32Array): void {
  const { bytes, start, length } = keys;
  const packed = new Float64Array(order.length);
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
    const level = packed.subarray(0, n);
    for (let i = 0; i < n; i++) {
      const k = order[lo + i]!;
      const len = length[k]!;
      const s = start[k]! + depth;
      // a key that has ended reads as 0, below every byte a key holds
      const v = (depth < len ? bytes[s]! << 16 : 0) | (depth + 1 < len ? bytes[s + 1]! << 8 : 0) | (depth + 2 < len ? bytes[s + 2]! : 0);
      level[i] = v * POSITION + i;
    }
    level.sort();
    let runStart = 0;
    let previous = -1;
    for (let i = 0; i <= n; i++) {
      const v = i < n ? Math.floor(level[i]! / POSITION) : -2;
      if (i < n) scratch[i] = order[lo + level[i]! - v * POSITION]!;
      if (v !== previous) {
        // a run of equal bytes goes on to the next three, unless its keys ended here (equal keys)
        if (i - runStart > 1 && (previous & 0xff) !== 0) pending.push(lo + runStart, lo + i, depth + 3);
        runStart = i;
        previous = v;
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
 * The keys laid out again in `order`: key i of the result is key order[i]. A pass over sorted
 * keys then reads memory in sequence instead of jumping through the index for every key.
 */
export function inOrder(keys: PackedKeys, order: Uint32Array): PackedKeys {
  const bytes = new Uint8Array(keys.bytes.length);
  const start = new Uint32Array(order.length);
  const length = new Uint8Array(order.length);
  let at = 0;
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const n = keys.length[k]!;
    const s = keys.start[k]!;
    start[i] = at;
    length[i] = n;
    bytes.set(keys.bytes.subarray(s, s + n), at);
    at += n;
  }
  return { bytes, start, length };
}
