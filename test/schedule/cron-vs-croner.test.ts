/**
 * Differential test of chime's cron language against croner 11. croner ORs the day fields unless
 * one is exactly `*`; Vixie cron (and chime) AND them when either field merely STARTS with `*`
 * (`*\/2`, `*,5`). So croner is told which rule Vixie's wording gives (its `domAndDow` option),
 * and what remains compared is everything else, extensions included. The two differ on purpose in
 * DST gaps (croner runs fixed-time jobs at the first valid time after the gap, skips interval
 * jobs; chime shifts by the gap) and overlaps, so random cases whose search crosses a UTC-offset
 * change are left out; DST behaviour has its own suites.
 */
import { Cron } from "croner";
import { describe, expect, it } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { parseSchedule } from "../../src/schedule/schedule.js";
import type { Instant } from "../../src/time/instant.js";
import { cronArb } from "../reference/cron-arbitrary.js";
import { nextOffsetChange } from "../reference/zone-transitions.js";
import { isoOf, utc } from "./utc.js";
import { tz } from "../zones.js";

const DAY_MS = 86_400_000;

/** crontab(5): a day field is restricted unless it starts with `*` (`?` read as `*`). */
function vixieAndsDays(pattern: string): boolean {
  const fields = pattern.trim().split(/\s+/);
  if (fields.length < 5) return false; // an alias: croner expands it the same way
  const [dom = "", dow = ""] = fields.length === 6 ? [fields[3], fields[5]] : [fields[2], fields[4]];
  return /^[*?]/.test(dom) || /^[*?]/.test(dow);
}

/**
 * What croner 11 does not read at all: `L-n`, and `LW` inside a list. croner also reads `1W` in
 * a month starting on Saturday as Monday the 3rd — as we do — so `W` stays in the comparison.
 */
function cronerReads(pattern: string): boolean {
  return !/L-/i.test(pattern) && !pattern.split(/\s+/).some((f) => /(^|,)LW(,|$)/i.test(f) && f.includes(","));
}

/** croner's next run at or after `after` (its nextRun is strictly after its argument). */
function cronerNext(pattern: string, after: Instant, zone: string): string | null {
  const from = (after.nanos > 0 ? after.seconds + 1 : after.seconds) * 1000;
  const cron = new Cron(pattern, { timezone: zone, paused: true, domAndDow: vixieAndsDays(pattern) });
  const run = cron.nextRun(new Date(from - 1000));
  return run === null ? null : isoOf({ seconds: run.getTime() / 1000, nanos: 0 });
}

function chimeNext(pattern: string, after: Instant, zone: string): string {
  return isoOf(parseSchedule(pattern).next(after, tz(zone)));
}

describe("random cron expressions agree with croner away from offset changes", () => {
  const zones = fc.constantFrom("UTC", "Asia/Kathmandu", "Asia/Tokyo", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe");
  const instant = fc.record({
    seconds: fc.integer({ min: 0, max: 4_000_000_000 }),
    nanos: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999_999_999 })),
  });
  test.prop([cronArb.filter(cronerReads), instant, zones], { numRuns: 300 })("same next run", (pattern, after, zone) => {
    const theirs = cronerNext(pattern, after, zone);
    if (theirs === null) return; // a day that never comes (31 April): covered by constraint-errors
    const ours = chimeNext(pattern, after, zone);
    const change = nextOffsetChange(after.seconds * 1000 - DAY_MS, zone);
    const latest = Math.max(Date.parse(ours), Date.parse(theirs));
    if (change !== null && change <= latest + DAY_MS) return; // DST semantics differ by design
    expect(ours, `${pattern} from ${isoOf(after)} in ${zone}`).toBe(theirs);
  });
});

describe("classic crontab lines", () => {
  const from = utc("2025-06-11T10:20:30Z"); // a Wednesday
  const cases: [pattern: string, expected: string][] = [
    ["30 8 * * MON-FRI", "2025-06-12T08:30:00Z"],
    ["0 0 1 JAN,JUL *", "2025-07-01T00:00:00Z"],
    ["0 12 13 * FRI", "2025-06-13T12:00:00Z"], // Friday the 13th: either rule
    ["0 12 14 * FRI", "2025-06-13T12:00:00Z"], // OR: Friday 13th comes before the 14th
    ["0 0 1-31 * MON", "2025-06-12T00:00:00Z"], // OR: 1-31 is a restriction, so every day
    ["0 0 * * MON", "2025-06-16T00:00:00Z"], // AND with *: Mondays only
    ["0 0 L * *", "2025-06-30T00:00:00Z"],
    ["0 0 L 2 *", "2026-02-28T00:00:00Z"],
    ["*/10 * * * * *", "2025-06-11T10:20:30Z"],
    ["5 */10 * * * *", "2025-06-11T10:30:05Z"],
    ["0 0 * * 7", "2025-06-15T00:00:00Z"], // 7 is Sunday
    ["15 14 1 * *", "2025-07-01T14:15:00Z"],
    ["0 22 * * 1-5", "2025-06-11T22:00:00Z"],
    ["23 0-20/2 * * *", "2025-06-11T10:23:00Z"],
    ["30 8 * * mon-fri", "2025-06-12T08:30:00Z"], // names in any case
    ["0 0 1 Jan,jul *", "2025-07-01T00:00:00Z"],
    ["0 0 * * 1-5/2", "2025-06-13T00:00:00Z"], // Mon, Wed, Fri
    ["0 0 */5 * *", "2025-06-16T00:00:00Z"], // days 1, 6, 11, 16, …
    ["0 0 1 * 7-7", "2025-06-15T00:00:00Z"], // OR: the 1st or a Sunday
  ];
  for (const [pattern, expected] of cases) {
    it(`${pattern} → ${expected} (and croner agrees)`, () => {
      expect(chimeNext(pattern, from, "UTC")).toBe(expected);
      expect(cronerNext(pattern, from, "UTC")).toBe(expected);
    });
  }
});

describe("overlapping list items are ordinary cron (Vixie cron and croner accept them)", () => {
  const from = utc("2025-06-11T10:20:30Z");
  const cases: [pattern: string, expected: string][] = [
    ["0 0 * * 0,7", "2025-06-15T00:00:00Z"], // Sunday written both ways
    ["*/15,30 * * * *", "2025-06-11T10:30:00Z"],
    ["0 9-17,12 * * *", "2025-06-11T11:00:00Z"],
  ];
  for (const [pattern, expected] of cases) {
    it(`${pattern} → ${expected}`, () => {
      expect(cronerNext(pattern, from, "UTC")).toBe(expected);
      expect(chimeNext(pattern, from, "UTC")).toBe(expected);
    });
  }
});
