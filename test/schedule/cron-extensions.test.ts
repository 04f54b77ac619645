/**
 * The month-relative cron items (docs/scheduling.md, "Days relative to the month"): `L`, `L-n`,
 * `nW`, `LW` in day-of-month, `nL`, `n#k` in day-of-week, and `?`. Checked three ways:
 * 1. against a 2025 calendar, by hand (and croner 11 agrees where it reads the item);
 * 2. against the brute-force reference (test/reference/cron-rules.ts, which defines each item by
 *    searching the month), for two years of consecutive runs in zones with DST changes;
 * 3. on the DST days themselves: Europe/Berlin changes on the last Sunday of March and October,
 *    America/New_York on the second Sunday of March and the first Sunday of November.
 */
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { bruteForceNext } from "../reference/brute-force-next.js";
import { cronRules } from "../reference/cron-rules.js";
import { nextOf, upcoming } from "./upcoming.js";
import { isoOf, utc } from "./utc.js";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { tz } from "../zones.js";

const FROM_2025 = "2025-01-01T00:00:00Z";

/** croner's first runs at or after FROM_2025, in UTC. */
function cronerRuns(pattern: string, count: number): string[] {
  const from = new Date(Date.parse(FROM_2025) - 1000);
  return new Cron(pattern, { timezone: "UTC", paused: true })
    .nextRuns(count, from)
    .map((d) => isoOf({ seconds: d.getTime() / 1000, nanos: 0 }));
}

const midnights = (...days: string[]) => days.map((d) => `2025-${d}T00:00:00Z`);

describe("each item on the 2025 calendar", () => {
  const cases: [pattern: string, why: string, expected: string[], cronerReadsIt: boolean][] = [
    ["0 0 L * *", "last days: 31, 28 (2025 is no leap year), 31, 30", midnights("01-31", "02-28", "03-31", "04-30"), true],
    ["0 0 L-2 * *", "third-last days", midnights("01-29", "02-26", "03-29", "04-28"), false],
    ["0 0 L-0 * *", "L-0 is L", midnights("01-31", "02-28"), false],
    // 15 Feb and 15 Mar 2025 are Saturdays (→ Friday 14), 15 Jun a Sunday (→ Monday 16).
    ["0 0 15W * *", "weekday nearest the 15th", midnights("01-15", "02-14", "03-14", "04-15", "05-15", "06-16"), true],
    // 1 Jan 2025 is a Wednesday; 1 Feb and 1 Mar are Saturdays: the Friday before is in another
    // month, so Monday the 3rd; 1 Jun is a Sunday (→ Monday 2).
    ["0 0 1W * *", "never crossing into the month before", midnights("01-01", "02-03", "03-03", "04-01", "05-01", "06-02"), true],
    // 31 May is a Saturday (→ 30); 31 Aug is a Sunday and the last day (→ Friday 29); no 31st in
    // February, April, June, September, November.
    ["0 0 31W * *", "never crossing into the month after", midnights("01-31", "03-31", "05-30", "07-31", "08-29", "10-31"), true],
    [
      "0 0 LW * *",
      "last Monday–Friday: 31 May is a Saturday, 31 Aug a Sunday",
      midnights("01-31", "02-28", "03-31", "04-30", "05-30", "06-30", "07-31", "08-29"),
      true,
    ],
    ["0 0 * * 5L", "last Fridays", midnights("01-31", "02-28", "03-28", "04-25", "05-30", "06-27"), true],
    ["0 0 * * FRIL", "the same, by name", midnights("01-31", "02-28", "03-28"), false],
    ["0 0 * * 7L", "7 is Sunday: last Sundays", midnights("01-26", "02-23", "03-30", "04-27"), true],
    ["0 0 * * 1#2", "second Mondays", midnights("01-13", "02-10", "03-10", "04-14", "05-12", "06-09"), true],
    ["0 0 * * MON#2", "the same, by name", midnights("01-13", "02-10"), true],
    ["0 0 * * 5#5", "fifth Fridays exist in January, May, August, October", midnights("01-31", "05-30", "08-29", "10-31"), true],
    ["0 0 ? * 1", "? is *: Mondays", midnights("01-06", "01-13", "01-20"), true],
    ["0 0 L,15 * *", "listed with a plain day", midnights("01-15", "01-31", "02-15", "02-28"), true],
    ["0 0 * * 1#2,5L", "two forms in one list", midnights("01-13", "01-31", "02-10", "02-28"), true],
    // Both day fields restricted (neither starts with *): Vixie's OR.
    ["0 0 L * 1", "last day OR Monday", midnights("01-06", "01-13", "01-20", "01-27", "01-31", "02-03"), true],
    ["0 0 1 * 1#2", "the 1st OR the second Monday", midnights("01-01", "01-13", "02-01", "02-10"), true],
  ];
  for (const [pattern, why, expected, cronerReadsIt] of cases) {
    it(`${pattern}: ${why}`, () => {
      expect(upcoming(pattern, FROM_2025, "UTC", expected.length)).toEqual(expected);
      if (cronerReadsIt) expect(cronerRuns(pattern, expected.length)).toEqual(expected);
    });
  }
});

describe("each item equals the brute-force reference for two years, in zones with DST", () => {
  const zones = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "Asia/Kathmandu"];
  const days = ["L", "L-3", "15W", "1W", "31W", "LW", "? * 0L", "? * 5#1", "? * 0#2", "? * 6#5", "L * 5L", "1W * 2#3"];
  // 02:30 falls in the spring gap of Berlin and New York and twice into their fall overlap;
  // 00:00 into Santiago's (its clocks change at midnight).
  for (const time of ["30 2", "0 0"]) {
    for (const day of days) {
      const pattern = `${time} ${day.includes(" ") ? day : `${day} * *`}`;
      it(pattern, () => {
        const schedule = parseSchedule(pattern);
        const rules = cronRules(pattern);
        for (const zone of zones) {
          let after = utc("2024-01-01T00:00:00Z");
          for (let i = 0; i < 24; i++) {
            const expected = bruteForceNext(rules, after, zone);
            const got = schedule.next(after, tz(zone));
            expect(isoOf(got), `run ${i + 1} in ${zone}`).toBe(isoOf({ seconds: expected ?? -1, nanos: 0 }));
            after = { seconds: got.seconds + 1, nanos: 0 };
          }
        }
      });
    }
  }
});

describe("on the DST days themselves", () => {
  it("Berlin: 02:30 on the last Sunday of March is moved to 03:30 CEST; in October the first 02:30 only", () => {
    // 2025-03-30: 02:00 CET → 03:00 CEST; 2025-10-26: 03:00 CEST → 02:00 CET.
    expect(nextOf("30 2 * * 0L", "2025-03-01T00:00:00Z", "Europe/Berlin")).toBe("2025-03-30T01:30:00Z");
    expect(upcoming("30 2 * * SUNL", "2025-10-01T00:00:00Z", "Europe/Berlin", 2)).toEqual([
      "2025-10-26T00:30:00Z", // 02:30 CEST, the first of the two
      "2025-11-30T01:30:00Z", // not 01:30Z on 26 October: the repeated 02:30 does not run again
    ]);
  });
  it("New York: second Sunday of March and first Sunday of November", () => {
    // 2025-03-09: 02:00 EST → 03:00 EDT; 2025-11-02: 02:00 EDT → 01:00 EST.
    expect(nextOf("30 2 * * 0#2", "2025-03-01T00:00:00Z", "America/New_York")).toBe("2025-03-09T07:30:00Z");
    expect(upcoming("30 1 * * 0#1", "2025-11-01T00:00:00Z", "America/New_York", 2)).toEqual([
      "2025-11-02T05:30:00Z", // 01:30 EDT
      "2025-12-07T06:30:00Z", // 01:30 EST a month later
    ]);
  });
  it("every hour on a last Sunday: both 02:30s of the Berlin overlap run (all hours allowed)", () => {
    expect(upcoming("30 * * * 0L", "2025-10-26T00:00:00Z", "Europe/Berlin", 3)).toEqual([
      "2025-10-26T00:30:00Z", // 02:30 CEST
      "2025-10-26T01:30:00Z", // 02:30 CET
      "2025-10-26T02:30:00Z", // 03:30 CET
    ]);
  });
});

describe("items that are not allowed", () => {
  const rejected: [pattern: string, says: string][] = [
    ["0 0 L-31 * *", "out of range 0-30"],
    ["0 0 32W * *", "out of range 1-31"],
    ["0 0 * * 8L", "out of range 0-7"],
    ["0 0 * * 1#0", "out of range 1-5"],
    ["0 0 * * L", "write nL"],
    ["0 0 L/2 * *", "not a number"],
    ["0 0 1-5#2 * *", "not a number"],
    ["0 L * * *", "not a number"],
  ];
  for (const [pattern, says] of rejected) {
    it(`${pattern}: ${says}`, () => expect(() => parseSchedule(pattern)).toThrow(says));
  }
});
