import { expect, test } from "vitest";
import fc from "fast-check";
import { selectClocks, type OffsetInterval } from "../../src/jobs/ntp-check/clock-select.js";

/** Brute force: the largest subset of intervals that share a common point (max lo ≤ min hi). */
function largestAgreeingSet(xs: readonly OffsetInterval[]): number {
  let best = 0;
  for (let mask = 1; mask < 1 << xs.length; mask++) {
    const sub = xs.filter((_, i) => mask & (1 << i));
    const lo = Math.max(...sub.map((i) => i.offset - i.lambda));
    const hi = Math.min(...sub.map((i) => i.offset + i.lambda));
    if (lo <= hi) best = Math.max(best, sub.length);
  }
  return best;
}

test("the incident's peers: −984, −984 and +105 ms → the +105 ms peer is the falseticker", () => {
  const sel = selectClocks([
    { id: "a", offset: -0.984, lambda: 0.005 },
    { id: "b", offset: -0.984, lambda: 0.005 },
    { id: "c", offset: 0.105, lambda: 0.005 },
  ]);
  expect(sel).toMatchObject({ consensus: true, truechimers: ["a", "b"], falsetickers: ["c"] });
});

test("two peers that disagree: no majority, no consensus (RFC 8633 §3.2: two cannot tell who is wrong)", () => {
  expect(
    selectClocks([
      { id: "a", offset: 0, lambda: 0.01 },
      { id: "b", offset: 1, lambda: 0.01 },
    ]).consensus,
  ).toBe(false);
});

test("property: consensus iff a strict majority shares a point, and then truechimers ≥ that majority", () => {
  const interval = fc.record({ offset: fc.double({ min: -2, max: 2, noNaN: true }), lambda: fc.double({ min: 0, max: 0.5, noNaN: true }) });
  fc.assert(
    fc.property(fc.array(interval, { minLength: 1, maxLength: 9 }), (raw) => {
      const xs = raw.map((r, i) => ({ id: `p${i}`, ...r }));
      const best = largestAgreeingSet(xs);
      const sel = selectClocks(xs);
      expect(sel.consensus).toBe(2 * best > xs.length);
      if (sel.consensus) {
        expect(sel.truechimers.length).toBeGreaterThanOrEqual(best);
        expect(sel.truechimers.length + sel.falsetickers.length).toBe(xs.length);
        // every truechimer's interval touches the majority interval, every falseticker's misses it
        for (const x of xs) {
          const touches = x.offset + x.lambda >= sel.low! && x.offset - x.lambda <= sel.high!;
          expect(sel.truechimers.includes(x.id)).toBe(touches);
        }
      }
    }),
    { numRuns: 1500 },
  );
});
