/**
 * Bad schedules (DESIGN.md §4, reference/runwhen.md §3.1): parse errors are ScheduleError with
 * a message naming the offending constraint; schedules that parse but can never match within
 * 400 years make next() throw ScheduleRangeError("timestamp out of range").
 */
import { describe, expect, it } from "vitest";
import { parseSchedule, ScheduleError, ScheduleRangeError } from "../../src/schedule/schedule.js";
import { isoOf, utc } from "./utc.js";
import { tz } from "../zones.js";

function parseError(text: string): Error {
  try {
    parseSchedule(text);
  } catch (e) {
    return e as Error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

function expectRejected(text: string, named: string = text.replace(/^,/, "")): void {
  const e = parseError(text);
  expect(e, text).toBeInstanceOf(ScheduleError);
  expect(e, text).not.toBeInstanceOf(ScheduleRangeError);
  expect(e.message, text).toContain(named);
}

describe("runwhen values out of range are rejected, naming the constraint", () => {
  for (const c of [",m=13", ",m=0", ",d=0", ",d=32", ",S=60", ",M=60", ",H=24", ",w=7"]) {
    it(`=n outside the unit: ${c}`, () => expectRejected(c));
  }
  for (const c of [",d/32", ",m/13"]) {
    it(`/n beyond a 1-based unit: ${c}`, () => expectRejected(c));
  }
  for (const c of [",m/0", ",m-0", ",d-0", ",d/0"]) {
    it(`n = 0 means =0, below a 1-based unit's minimum: ${c}`, () => expectRejected(c));
  }
  for (const c of [",H-25", ",M-61", ",S-61", ",w-8", ",m-14", ",d-33"]) {
    it(`-n beyond the unit's absolute maximum + 1: ${c}`, () => expectRejected(c));
  }
  it("names the bad constraint among good ones", () => {
    expectRejected(",d=1,H=24,M=0", "H=24");
    expectRejected(",M=5,S=75", "S=75");
  });
});

describe("runwhen structural errors", () => {
  it("duplicate units", () => {
    expectRejected(",H=1,H=2", "H=");
    expectRejected(",M/5,S=0,M=3", "M=3");
  });
  it("w with y, m or d", () => {
    for (const c of [",w=1,d=3", ",y=2030,w=0", ",m=1,w=1", ",d-1,w=5"]) {
      const e = parseError(c);
      expect(e, c).toBeInstanceOf(ScheduleError);
    }
  });
  const malformed = [
    ",",
    ",H",
    ",H=",
    ",H=x",
    ",x=1",
    ",H==1",
    ",H=1,",
    ",H=-1",
    ",H=+1",
    ",H=1.5",
    ",h=1",
    ",D=1",
    ",H=1,,M=2",
    ",Y=2030",
  ];
  for (const c of malformed) {
    it(`malformed: ${JSON.stringify(c)}`, () => {
      expect(parseError(c), c).toBeInstanceOf(ScheduleError);
    });
  }
});

describe("degenerate but accepted: parses, then no match → timestamp out of range", () => {
  const from = utc("2025-06-11T10:20:30Z");
  for (const c of [",d-32", ",m-13", ",m=2,d=30", ",m=4,d=31", ",m=2,d-31"]) {
    it(c, () => {
      const s = parseSchedule(c);
      expect(() => s.next(from, tz("UTC"))).toThrow(ScheduleRangeError);
      expect(() => s.next(from, tz("Europe/Berlin"))).toThrow("timestamp out of range");
    });
  }
  it("a year already past", () => {
    expect(() => parseSchedule(",y=1999").next(from, tz("UTC"))).toThrow(ScheduleRangeError);
    expect(() => parseSchedule(",y=2025").next(utc("2026-01-01T00:00:00Z"), tz("UTC"))).toThrow(ScheduleRangeError);
  });
  // Cron has no "accepted but degenerate" rule of its own: rejecting the expression up front
  // (naming the day-of-month) is as good as "timestamp out of range" later; returning a time is not.
  for (const text of ["0 0 30 2 *", "0 0 31 4,6,9,11 *"]) {
    it(`cron: a day that never comes: ${text}`, () => {
      let schedule;
      try {
        schedule = parseSchedule(text);
      } catch (e) {
        expect(e).toBeInstanceOf(ScheduleError);
        expect((e as Error).message).toContain("day-of-month");
        return;
      }
      expect(() => schedule.next(from, tz("UTC"))).toThrow(ScheduleRangeError);
    });
  }
});

describe("the 400-year bound", () => {
  const from = utc("2025-06-11T10:20:30Z");
  it("a match 395 years ahead is found", () => {
    expect(isoOf(parseSchedule(",y=2420").next(from, tz("UTC")))).toBe("2420-01-01T00:00:00Z");
  });
  it("a match more than 400 years ahead is out of range", () => {
    expect(() => parseSchedule(",y=2430").next(from, tz("UTC"))).toThrow(ScheduleRangeError);
  });
  it("29 February in a century year waits for a leap year (2104 after 2096)", () => {
    expect(isoOf(parseSchedule(",m=2,d=29,H=12").next(utc("2096-03-01T00:00:00Z"), tz("UTC")))).toBe("2104-02-29T12:00:00Z");
  });
});

describe("cron errors", () => {
  const bad = [
    "* * * *", // 4 fields
    "* * * * * * *", // 7 fields
    "60 * * * *",
    "* 24 * * *",
    "* * 0 * *",
    "* * 32 * *",
    "* * * 13 *",
    "* * * 0 *",
    "* * * * 8",
    "* * * * FOO",
    "a b c d e",
    "*/0 * * * *",
    "0 0 * * * 60", // 6 fields, second first: 60 lands in day-of-week, out of range
  ];
  for (const text of bad) {
    it(JSON.stringify(text), () => {
      expect(parseError(text), text).toBeInstanceOf(ScheduleError);
    });
  }
  it("names the offending field", () => {
    expect(parseError("0 25 * * *").message).toContain("25");
    expect(parseError("0 0 * FOO *").message).toContain("FOO");
  });
});

describe("which language: runwhen strings start with ','; the empty string is runwhen", () => {
  it("languages", () => {
    expect(parseSchedule(",M=0").language).toBe("runwhen");
    expect(parseSchedule("").language).toBe("runwhen");
    expect(parseSchedule("0 * * * *").language).toBe("cron");
    expect(parseSchedule("0 0 * * * *").language).toBe("cron");
    expect(parseSchedule(",M=0").text).toBe(",M=0");
  });
  it("M=0 without the comma is neither", () => {
    expect(parseError("M=0")).toBeInstanceOf(ScheduleError);
  });
});
