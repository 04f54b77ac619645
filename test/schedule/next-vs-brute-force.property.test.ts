/**
 * Property: for random runwhen constraint sets and cron expressions, random instants
 * (1970–2100, often aimed at a DST transition) and zones with unusual rules, the carry
 * algorithm's next() equals the brute-force reference in test/reference (enumerate wall times,
 * map to instants with luxon, apply DESIGN.md §4's gap/overlap rules, take the minimum).
 */
import { describe, expect } from "vitest";
import { fc, test } from "@fast-check/vitest";
import { parseSchedule, ScheduleError, ScheduleRangeError } from "../../src/schedule/schedule.js";
import type { Instant } from "../../src/time/instant.js";
import { bruteForceNext } from "../reference/brute-force-next.js";
import { cronArb } from "../reference/cron-arbitrary.js";
import { cronRules } from "../reference/cron-rules.js";
import { runwhenRules } from "../reference/runwhen-rules.js";
import type { WallRules } from "../reference/wall-time-rules.js";
import { nextOffsetChange } from "../reference/zone-transitions.js";
import { isoOf } from "./utc.js";
import { tz } from "../zones.js";

const ZONES = [
  "UTC",
  "Europe/Berlin",
  "America/New_York",
  "Australia/Lord_Howe", // 30-minute DST
  "Asia/Kathmandu", // +05:45, +05:30 before 1986
  "America/Santiago", // southern-hemisphere DST, transitions at local midnight
  "Pacific/Apia", // skipped 2011-12-30 entirely
  "Europe/Dublin", // "negative DST" in tzdata: winter is the daylight-saving period
  "Antarctica/Troll", // +00 / +02: a two-hour gap and overlap
] as const;

const YEAR_2100 = 4_102_444_800;
/**
 * 1000 brute-force enumerations take about 20 s on an idle core; on the shared 2-core machine
 * with other suites running they took over the default 30 s. The bound is for hangs, not speed.
 */
const PROPERTY_TIMEOUT_MS = 300_000;

/** A random instant; half the time moved to within ±3 h of the zone's next offset change. */
const instantArb = fc.record({
  seconds: fc.integer({ min: 0, max: YEAR_2100 }),
  nanos: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999_999_999 })),
  nearTransition: fc.boolean(),
  delta: fc.integer({ min: -3 * 3600, max: 3 * 3600 }),
});
type InstantSeed = typeof instantArb extends fc.Arbitrary<infer T> ? T : never;

function placeInstant(seed: InstantSeed, zone: string): Instant {
  if (!seed.nearTransition) return { seconds: seed.seconds, nanos: seed.nanos };
  const change = nextOffsetChange(seed.seconds * 1000, zone);
  if (change === null) return { seconds: seed.seconds, nanos: seed.nanos };
  return { seconds: change / 1000 + seed.delta, nanos: seed.nanos };
}

// ---- runwhen constraint sets --------------------------------------------------------------

const num = (min: number, max: number) => fc.integer({ min, max });
function constraint(unit: string, ...forms: [op: string, values: fc.Arbitrary<number>][]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant("") },
    ...forms.map(([op, values]) => ({ weight: 1, arbitrary: values.map((n) => `,${unit}${op}${n}`) })),
  );
}
const hmsUnit = (unit: string, max: number) => constraint(unit, ["=", num(0, max)], ["-", num(0, max + 1)], ["/", num(0, max + 11)]);

const runwhenCalendarArb = fc
  .tuple(
    fc.oneof(
      { weight: 8, arbitrary: fc.constant("") },
      { weight: 1, arbitrary: num(1, 4).map((n) => `,y/${n}`) },
      {
        weight: 1,
        arbitrary: num(1970, 2110).map((n) => `,y=${n}`),
      },
    ),
    constraint("m", ["=", num(1, 12)], ["-", num(1, 12)], ["/", num(1, 12)]),
    constraint("d", ["=", num(1, 31)], ["-", num(1, 31)], ["/", num(1, 31)]),
    hmsUnit("H", 23),
    hmsUnit("M", 59),
    hmsUnit("S", 59),
  )
  .map((parts) => parts.join(""));

const runwhenWeekdayArb = fc
  .tuple(constraint("w", ["=", num(0, 6)], ["-", num(0, 7)], ["/", num(0, 9)]), hmsUnit("H", 23), hmsUnit("M", 59), hmsUnit("S", 59))
  .map(([w, ...rest]) => (w === "" ? ",w=1" : w) + rest.join(""));

// ---- the comparison -----------------------------------------------------------------------

/** next() twice in a row (from the instant, then one second after the first answer) vs the reference. */
function agreeWithReference(text: string, rules: WallRules, seed: InstantSeed, zone: string): void {
  let after = placeInstant(seed, zone);
  let schedule;
  try {
    schedule = parseSchedule(text);
  } catch (e) {
    // Rejecting a cron day that can never come (31 April) up front is fine; anything else is not.
    if (e instanceof ScheduleError && bruteForceNext(rules, after, zone) === null) return;
    throw e;
  }
  for (let step = 0; step < 2; step++) {
    const where = `next(${isoOf(after)}, ${zone}) of ${JSON.stringify(text)}`;
    const expected = bruteForceNext(rules, after, zone);
    if (expected === null) {
      expect(() => schedule.next(after, tz(zone)), where).toThrow(ScheduleRangeError);
      return;
    }
    const got = schedule.next(after, tz(zone));
    expect(isoOf(got), where).toBe(isoOf({ seconds: expected, nanos: 0 }));
    after = { seconds: got.seconds + 1, nanos: 0 };
  }
}

describe("next() equals the brute-force reference", () => {
  const zone = fc.constantFrom(...ZONES);

  test.prop([fc.oneof(runwhenCalendarArb, runwhenWeekdayArb), instantArb, zone], { numRuns: 1000 })(
    "runwhen constraints",
    (text, seed, z) => agreeWithReference(text, runwhenRules(text), seed, z),
    PROPERTY_TIMEOUT_MS,
  );

  test.prop([cronArb, instantArb, zone], { numRuns: 1000 })(
    "cron expressions",
    (text, seed, z) => agreeWithReference(text, cronRules(text), seed, z),
    PROPERTY_TIMEOUT_MS,
  );
});
