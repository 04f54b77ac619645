/**
 * Every runwhen stamp form (DESIGN.md §4, reference/runwhen.md §2.2) and the arithmetic examples
 * of reference §3.6. Expected labels are 2^62 + unix + (TAI − UTC), computed independently with
 * Python's datetime: 37 s since 2017, 32 s in 1999–2005.
 */
import { describe, expect, it } from "vitest";
import { addTain, compareTain, formatTain, parseTainHex, subTain, type Tain } from "../../src/time/runwhen-label.js";
import { parseStamp, StampError } from "../../src/time/stamp.js";
import type { Instant } from "../../src/time/instant.js";

const NOW: Instant = { seconds: 1743296400, nanos: 123_456_789 }; // 2025-03-30T01:00:00.123456789Z
const ENV = { WAKE: "4000000067e897b500000000", AT: "@4000000067e897b500000000", JUNK: "soon", EMPTY: "" };
const stamp = (arg: string, env: Record<string, string | undefined> = ENV) => formatTain(parseStamp(arg, env, () => NOW));

function malformed(arg: string, env: Record<string, string | undefined> = ENV): void {
  let error: unknown;
  try {
    parseStamp(arg, env, () => NOW);
  } catch (e) {
    error = e;
  }
  expect(error, JSON.stringify(arg)).toBeInstanceOf(StampError);
  expect((error as Error).message).toBe(`malformed timestamp: ${arg}`);
}

describe("@ + 24 hex digits", () => {
  it("is taken as given", () => {
    expect(stamp("@4000000067e897b500000000")).toBe("4000000067e897b500000000");
    expect(stamp("@0000000000000e1000000000")).toBe("0000000000000e1000000000");
  });
  for (const bad of [
    "@",
    "@4000000067e897b50000000",
    "@4000000067e897b5000000000",
    "@4000000067e897b50000000g",
    "@4000000067e897b5 0000000",
    "4000000067e897b500000000",
    "@@4000000067e897b500000000",
  ]) {
    it(`malformed: ${bad}`, () => malformed(bad));
  }
});

describe("$VAR", () => {
  it("reads 24 hex digits without @ from the environment", () => {
    expect(stamp("$WAKE")).toBe("4000000067e897b500000000");
  });
  it("an unset variable is a malformed timestamp", () => malformed("$NOPE"));
  it("a value with @, an empty value or junk is malformed", () => {
    malformed("$AT");
    malformed("$EMPTY");
    malformed("$JUNK");
    malformed("$");
  });
});

describe("n: now, in real TAI, with its nanoseconds", () => {
  it("2025-03-30T01:00:00.123456789Z → 2^62 + unix + 37", () => {
    expect(stamp("n")).toBe("4000000067e897b5075bcd15");
  });
  for (const bad of ["N", "now", "n ", "nn"]) it(`malformed: ${JSON.stringify(bad)}`, () => malformed(bad));
});

describe("durations dNS dNM dNH dNd dNW (labels without 2^62)", () => {
  const cases: [string, string][] = [
    ["d1S", "000000000000000100000000"],
    ["d0S", "000000000000000000000000"],
    ["d30M", "000000000000070800000000"],
    ["d1H", "0000000000000e1000000000"],
    ["d1d", "000000000001518000000000"],
    ["d1W", "0000000000093a8000000000"],
    ["d90S", "000000000000005a00000000"],
    ["d36500d", "00000000bbf81e0000000000"], // 100 × 365 days = 3 153 600 000 s
  ];
  for (const [arg, want] of cases) it(`${arg} → ${want}`, () => expect(stamp(arg)).toBe(want));
  for (const bad of ["d", "dS", "d1", "d1s", "d1m", "d1h", "d1D", "d1w", "d-1S", "d+1S", "d1.5S", "d1SS", " d1S", "D1S", "d1 S"]) {
    it(`malformed: ${JSON.stringify(bad)}`, () => malformed(bad));
  }
});

describe("tN: a system-clock second, converted like n", () => {
  it("t0 → 2^62 + 10", () => expect(stamp("t0")).toBe("400000000000000a00000000"));
  it("t1483228800 (2017-01-01) → +37", () => expect(stamp("t1483228800")).toBe("40000000586846a500000000"));
  it("t1743296400 → the same as n's second, nanos 0", () => expect(stamp("t1743296400")).toBe("4000000067e897b500000000"));
  for (const bad of ["t", "t-1", "tx", "t1.5", "T0"]) it(`malformed: ${bad}`, () => malformed(bad));
});

describe("iISO-8601 with ±HHMM offset, honoured", () => {
  it("the same instant written in three offsets", () => {
    expect(stamp("i2025-03-30T03:00:00+0200")).toBe("4000000067e897b500000000");
    expect(stamp("i2025-03-30T01:00:00+0000")).toBe("4000000067e897b500000000");
    expect(stamp("i2025-03-29T20:00:00-0500")).toBe("4000000067e897b500000000");
  });
  it("runwhen's stamp-format example: 2003-10-31 13:37:14 −0500 (TAI − UTC 32 s)", () => {
    expect(stamp("i2003-10-31T13:37:14-0500")).toBe("400000003fa2abfa00000000");
  });
  it("quarter-hour offsets: +0545 (Kathmandu), −0930 (Marquesas)", () => {
    expect(stamp("i2025-06-10T14:00:00+0545")).toBe("400000006847e9a900000000");
    expect(stamp("i1999-12-31T23:59:59-0930")).toBe("40000000386dc93700000000");
  });
  for (const bad of [
    "i2025-13-01T00:00:00+0000",
    "i2025-00-01T00:00:00+0000",
    "i2025-01-32T00:00:00+0000",
    "i2025-01-01T24:00:00+0000",
    "i2025-01-01T00:60:00+0000",
    "i2025-01-01T00:00:00+2",
    "i2025-01-01T00:00:00",
    "i2025-01-01",
    "i",
    "i2025-1-01T00:00:00+0000",
  ]) {
    it(`malformed: ${bad}`, () => malformed(bad));
  }
});

describe("anything else", () => {
  for (const bad of ["", " ", "x", "-", "12345", "@n", "$WAKE ", "yesterday"]) {
    it(`malformed: ${JSON.stringify(bad)}`, () => malformed(bad));
  }
});

describe("arithmetic as runwhen (64-bit labels, nanosecond carry)", () => {
  const add = (a: string, b: string) =>
    formatTain(
      addTain(
        parseStamp(a, ENV, () => NOW),
        parseStamp(b, ENV, () => NOW),
      ),
    );
  const sub = (a: string, b: string) =>
    formatTain(
      subTain(
        parseStamp(a, ENV, () => NOW),
        parseStamp(b, ENV, () => NOW),
      ),
    );
  it("rw-add d1H d30M → 000000000000151800000000", () => expect(add("d1H", "d30M")).toBe("000000000000151800000000"));
  it("rw-sub of the §3.6 row 3 and row 2 results → 1800 s", () =>
    expect(sub("@4000000067e89ebd00000000", "@4000000067e897b500000000")).toBe("000000000000070800000000"));
  it("n + d1S keeps now's nanoseconds", () => expect(add("n", "d1S")).toBe("4000000067e897b6075bcd15"));
  it("absolute − duration is absolute", () => expect(sub("$WAKE", "d1H")).toBe("4000000067e889a500000000"));
  it("nanoseconds carry and borrow", () => {
    const t = (label: bigint, nanos: number): Tain => ({ label, nanos });
    expect(addTain(t(1n, 999_999_999), t(0n, 2))).toEqual(t(2n, 1));
    expect(subTain(t(2n, 1), t(0n, 2))).toEqual(t(1n, 999_999_999));
  });
  it("wraps modulo 2^64 as skalibs does", () => {
    const t = (label: bigint): Tain => ({ label, nanos: 0 });
    expect(subTain(t(0n), t(1n))).toEqual(t((1n << 64n) - 1n));
    expect(addTain(t((1n << 64n) - 1n), t(1n))).toEqual(t(0n));
  });
  it("rw-max / rw-min order: label first, then nanoseconds", () => {
    const a = parseStamp("n", ENV, () => NOW);
    const b = parseStamp("$WAKE", ENV, () => NOW);
    expect(compareTain(a, b)).toBeGreaterThan(0);
    expect(compareTain(b, a)).toBeLessThan(0);
    expect(compareTain(a, a)).toBe(0);
  });
  it("parseTainHex reads 24 hex digits and nothing else", () => {
    expect(parseTainHex("4000000067e897b5075bcd15")).toEqual({ label: 0x4000000067e897b5n, nanos: 123_456_789 });
    expect(parseTainHex("4000000067e897b5075bcd1")).toBeNull();
    expect(parseTainHex("@4000000067e897b5075bcd15")).toBeNull();
    expect(parseTainHex("4000000067e897b5075bcd1x")).toBeNull();
  });
});
