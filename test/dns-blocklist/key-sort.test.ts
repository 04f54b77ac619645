import fc from "fast-check";
import { describe, expect, test } from "vitest";
import { type PackedKeys, sortKeys } from "../../src/jobs/dns-blocklist/key-sort.js";

/** keys given as strings of code units 1–127, packed one after another as the sort takes them */
function packKeys(keys: readonly string[]): PackedKeys {
  const bytes = new Uint8Array(keys.reduce((n, k) => n + k.length, 0));
  const start = new Uint32Array(keys.length);
  const length = new Uint8Array(keys.length);
  let at = 0;
  keys.forEach((k, i) => {
    start[i] = at;
    length[i] = k.length;
    for (let j = 0; j < k.length; j++) bytes[at++] = k.charCodeAt(j);
  });
  return { bytes, start, length };
}
const sorted = (keys: string[]): string[] => {
  const order = new Uint32Array(keys.length).map((_, i) => i);
  const packed = packKeys(keys);
  const { lcp, next, length } = sortKeys(packed, order);
  const out = Array.from(order, (i) => keys[i]!);
  // the keys' own starts and lengths are sorted with them: position i reads the key put there
  const read = (i: number): string => String.fromCharCode(...packed.bytes.subarray(packed.start[i]!, packed.start[i]! + packed.length[i]!));
  expect(
    Array.from(out, (_, i) => read(i)),
    "the key at each position, through the sorted starts",
  ).toEqual(out);
  // what the sort says about neighbours, checked against the sorted keys themselves
  for (let i = 0; i < out.length; i++) {
    const before = i > 0 ? out[i - 1]! : "";
    let d = 0;
    while (d < before.length && d < out[i]!.length && before[d] === out[i]![d]) d++;
    expect([lcp[i], next[i]], `${JSON.stringify(before)} → ${JSON.stringify(out[i])}`).toEqual([
      d,
      d < out[i]!.length ? out[i]!.charCodeAt(d) : 0,
    ]);
    // and the length of the key it put there
    expect(length[i]).toBe(out[i]!.length);
  }
  return out;
};
/** numbers in [0, 1), the same for the same seed (a linear congruential generator) */
function seeded(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
    return seed / 2 ** 32;
  };
}

// The reference: JavaScript's own string order, which for these code units (1–127) is byte order.
const reference = (keys: string[]): string[] => [...keys].sort();

describe("the radix sort of packed keys, and the neighbours it reports", () => {
  test("property: any keys of bytes 1–127, repeats and shared prefixes included, come out in byte order", () => {
    const key = fc.string({ unit: fc.constantFrom("\u0001", "-", ".", "a", "b", "z", "0", "\u007f"), minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(fc.array(key, { maxLength: 300 }), (keys) => {
        expect(sorted(keys)).toEqual(reference(keys));
      }),
      { numRuns: 500 },
    );
  });

  test("buckets of every packing width: 70 000 keys with long shared prefixes and many repeats", () => {
    const random = seeded(7);
    const keys = Array.from({ length: 70_000 }, () => {
      const prefix = ["com\u0001example\u0001", "com\u0001example-", "net\u0001", ""][Math.floor(random() * 4)]!;
      let tail = "";
      const n = Math.floor(random() * 12);
      for (let i = 0; i < n; i++) tail += "ab\u0001-z"[Math.floor(random() * 5)];
      return `${prefix}${tail}` || "x";
    });
    expect(sorted(keys)).toEqual(reference(keys));
  });

  // Over 65 536 keys the sort first cuts the input by splitters drawn from a sample of the keys'
  // first eight bytes; these inputs make that cut meet its edges.
  test("more keys than one radix level takes: all equal (every splitter the same)", () => {
    const keys = Array.from({ length: 70_000 }, () => "com\u0001example\u0001www");
    expect(sorted(keys)).toEqual(reference(keys));
  });

  test("more keys than one radix level takes: short keys (ending inside the first eight bytes) and long shared prefixes", () => {
    const random = seeded(11);
    const keys = Array.from({ length: 100_000 }, () => {
      const n = 1 + Math.floor(random() * (random() < 0.5 ? 9 : 24));
      let key = random() < 0.3 ? "com\u0001exam" : "";
      for (let i = 0; i < n; i++) key += "\u0001ab-"[Math.floor(random() * 4)];
      return key;
    });
    expect(sorted(keys)).toEqual(reference(keys));
  });
});
