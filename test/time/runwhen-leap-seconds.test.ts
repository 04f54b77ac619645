/**
 * runwhen stamps are real TAI (DESIGN.md §4): label = 2^62 + 10 + unix + leap seconds inserted so
 * far. The table below is written here from the IERS list (Bulletin C; 27 insertions, each at
 * the end of the day before the date given, the last before 2017-01-01), not imported from src.
 */
import { describe, expect, it } from "vitest";
import { formatTain, instantFromTain, tainFromInstant, type Tain } from "../../src/time/runwhen-label.js";

/** The first UTC day on which TAI − UTC had the new value, and that value. */
const IERS: readonly [date: string, taiMinusUtc: number][] = [
  ["1972-07-01", 11],
  ["1973-01-01", 12],
  ["1974-01-01", 13],
  ["1975-01-01", 14],
  ["1976-01-01", 15],
  ["1977-01-01", 16],
  ["1978-01-01", 17],
  ["1979-01-01", 18],
  ["1980-01-01", 19],
  ["1981-07-01", 20],
  ["1982-07-01", 21],
  ["1983-07-01", 22],
  ["1985-07-01", 23],
  ["1988-01-01", 24],
  ["1990-01-01", 25],
  ["1991-01-01", 26],
  ["1992-07-01", 27],
  ["1993-07-01", 28],
  ["1994-07-01", 29],
  ["1996-01-01", 30],
  ["1997-07-01", 31],
  ["1999-01-01", 32],
  ["2006-01-01", 33],
  ["2009-01-01", 34],
  ["2012-07-01", 35],
  ["2015-07-01", 36],
  ["2017-01-01", 37],
];

const EPOCH = 1n << 62n;
const unixOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;
const tain = (seconds: number, nanos = 0) => tainFromInstant({ seconds, nanos });
const hex = (label: bigint, nanos = 0) => label.toString(16).padStart(16, "0") + nanos.toString(16).padStart(8, "0");

describe("the IERS table as written here", () => {
  it("has 27 insertions, one second each", () => {
    expect(IERS).toHaveLength(27);
    for (const [i, [, offset]] of IERS.entries()) expect(offset).toBe(11 + i);
  });
});

describe("labels at every leap-second boundary", () => {
  for (const [date, offset] of IERS) {
    const u = unixOf(date);
    it(`${date}: TAI − UTC becomes ${offset} s`, () => {
      // The first second of the new day carries the new offset…
      expect(tain(u).label).toBe(EPOCH + BigInt(u + offset));
      // …the last second before the insertion the old one: the labels jump by 2 over 23:59:60.
      expect(tain(u - 1).label).toBe(EPOCH + BigInt(u - 1 + offset - 1));
      expect(tain(u).label - tain(u - 1).label).toBe(2n);
      expect(tain(u + 1).label - tain(u).label).toBe(1n);
      expect(formatTain(tain(u, 250_000_000))).toBe(hex(EPOCH + BigInt(u + offset), 250_000_000));
    });
    it(`${date}: round trips and the leap second itself`, () => {
      for (const s of [u - 2, u - 1, u, u + 1]) {
        expect(instantFromTain(tain(s, 999_999_999))).toEqual({ seconds: s, nanos: 999_999_999 });
      }
      const leap: Tain = { label: EPOCH + BigInt(u - 1 + offset), nanos: 500_000_000 }; // 23:59:60.5
      expect(instantFromTain(leap).seconds).toBe(u - 1); // read as 23:59:59
    });
  }
});

describe("outside the table", () => {
  it("before the first insertion the offset is 10 (unix 0 → 400000000000000a)", () => {
    expect(formatTain(tain(0))).toBe("400000000000000a00000000");
    expect(tain(unixOf("1972-07-01") - 1).label).toBe(EPOCH + BigInt(unixOf("1972-07-01") - 1 + 10));
  });
  it("since 2017 the offset is 37 (skalibs on Debian: 1483228800 → 40000000586846a5)", () => {
    expect(formatTain(tain(1483228800))).toBe("40000000586846a500000000");
    expect(tain(unixOf("2026-11-25")).label).toBe(EPOCH + BigInt(unixOf("2026-11-25") + 37));
    expect(instantFromTain(tain(4102444800, 1))).toEqual({ seconds: 4102444800, nanos: 1 });
  });
});
