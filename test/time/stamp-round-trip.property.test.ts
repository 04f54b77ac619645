/**
 * Properties of runwhen stamps over random values: every form denotes what the grammar says
 * (DESIGN.md §4), with TAI − UTC taken from the IERS list as written in the leap-second test.
 */
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { formatTain, instantFromTain, parseTainHex, tainFromInstant } from "../../src/time/runwhen-label.js";
import { parseStamp } from "../../src/time/stamp.js";

/** Unix seconds at which TAI − UTC became 11, 12, … 37. */
const INSERTIONS = [
  "1972-07-01",
  "1973-01-01",
  "1974-01-01",
  "1975-01-01",
  "1976-01-01",
  "1977-01-01",
  "1978-01-01",
  "1979-01-01",
  "1980-01-01",
  "1981-07-01",
  "1982-07-01",
  "1983-07-01",
  "1985-07-01",
  "1988-01-01",
  "1990-01-01",
  "1991-01-01",
  "1992-07-01",
  "1993-07-01",
  "1994-07-01",
  "1996-01-01",
  "1997-07-01",
  "1999-01-01",
  "2006-01-01",
  "2009-01-01",
  "2012-07-01",
  "2015-07-01",
  "2017-01-01",
].map((d) => Date.parse(`${d}T00:00:00Z`) / 1000);
const taiMinusUtc = (unix: number) => 10 + INSERTIONS.filter((u) => u <= unix).length;

const EPOCH = 1n << 62n;
const NOW = () => ({ seconds: 0, nanos: 0 });
const unix = fc.integer({ min: 0, max: 2 ** 33 });
const nanos = fc.integer({ min: 0, max: 999_999_999 });

function isoWithOffset(seconds: number, offsetMinutes: number): string {
  const d = new Date((seconds + offsetMinutes * 60) * 1000);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  const sign = offsetMinutes < 0 ? "-" : "+";
  const abs = Math.abs(offsetMinutes);
  return (
    `i${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`
  );
}

describe("runwhen labels", () => {
  test.prop([unix, nanos], { numRuns: 2000 })("label = 2^62 + unix + TAI − UTC; round trip", (s, n) => {
    const t = tainFromInstant({ seconds: s, nanos: n });
    expect(t.label).toBe(EPOCH + BigInt(s + taiMinusUtc(s)));
    expect(t.nanos).toBe(n);
    expect(instantFromTain(t)).toEqual({ seconds: s, nanos: n });
    expect(parseTainHex(formatTain(t))).toEqual(t);
  });
});

describe("stamp forms", () => {
  test.prop([unix, nanos], { numRuns: 500 })("@hex and $VAR give the label back", (s, n) => {
    const hex = formatTain(tainFromInstant({ seconds: s, nanos: n }));
    expect(formatTain(parseStamp(`@${hex}`, {}, NOW))).toBe(hex);
    expect(formatTain(parseStamp("$X", { X: hex }, NOW))).toBe(hex);
  });
  test.prop([unix, nanos], { numRuns: 500 })("n is now, converted like the clock", (s, n) => {
    const now = () => ({ seconds: s, nanos: n });
    expect(parseStamp("n", {}, now)).toEqual({ label: EPOCH + BigInt(s + taiMinusUtc(s)), nanos: n });
  });
  test.prop([unix], { numRuns: 500 })("tN is the clock second N", (s) => {
    expect(parseStamp(`t${s}`, {}, NOW)).toEqual({ label: EPOCH + BigInt(s + taiMinusUtc(s)), nanos: 0 });
  });
  test.prop([fc.integer({ min: 0, max: 1_000_000 }), fc.constantFrom(["S", 1], ["M", 60], ["H", 3600], ["d", 86400], ["W", 604800])], {
    numRuns: 500,
  })("dN<unit> is N × the unit, without 2^62", (count, [unit, size]) => {
    expect(parseStamp(`d${count}${unit}`, {}, NOW)).toEqual({ label: BigInt(count) * BigInt(size), nanos: 0 });
  });
  test.prop([fc.integer({ min: 0, max: 4_102_444_799 }), fc.integer({ min: -12 * 4, max: 14 * 4 }).map((q) => q * 15)], {
    numRuns: 500,
  })("i<ISO> with any quarter-hour offset denotes the same instant", (s, offset) => {
    expect(parseStamp(isoWithOffset(s, offset), {}, NOW)).toEqual({ label: EPOCH + BigInt(s + taiMinusUtc(s)), nanos: 0 });
  });
});
