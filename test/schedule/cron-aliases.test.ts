/**
 * Vixie cron's @ aliases (crontab(5)), and the messages for the ones chime does not know.
 * From Wednesday 2025-06-11 10:20:30Z; each expected time is the alias's definition applied by
 * hand to that date.
 */
import { tz } from "../zones.js";
import { describe, expect, it } from "vitest";
import { parseSchedule, ScheduleRangeError } from "../../src/schedule/schedule.js";
import { nextOf } from "./upcoming.js";
import { rejectionOf } from "./schedule-rejection.js";

const FROM = "2025-06-11T10:20:30Z";

describe("the known aliases", () => {
  const cases: [alias: string, expected: string][] = [
    ["@yearly", "2026-01-01T00:00:00Z"],
    ["@annually", "2026-01-01T00:00:00Z"],
    ["@monthly", "2025-07-01T00:00:00Z"],
    ["@weekly", "2025-06-15T00:00:00Z"], // the next Sunday
    ["@daily", "2025-06-12T00:00:00Z"],
    ["@midnight", "2025-06-12T00:00:00Z"],
    ["@hourly", "2025-06-11T11:00:00Z"],
  ];
  for (const [alias, expected] of cases) {
    it(`${alias} → ${expected}`, () => expect(nextOf(alias, FROM, "UTC")).toBe(expected));
  }
  it("surrounding blanks are allowed, as around any schedule", () => {
    expect(nextOf("  @hourly ", FROM, "UTC")).toBe("2025-06-11T11:00:00Z");
  });
});

const KNOWN = "@yearly @annually @monthly @weekly @daily @midnight @hourly @reboot";

describe("@reboot: once at start, no slots (issue 12 §1)", () => {
  it("parses (it was refused as not supported yet) into a schedule that asks for a run at start", () => {
    const s = parseSchedule("@reboot");
    expect(s.atStart).toBe(true);
    expect(s.text).toBe("@reboot");
    expect(s.describe()).toContain("once when the service starts");
  });
  it("has no slot: next() says nothing matches, from any instant and in any zone", () => {
    const s = parseSchedule(" @reboot ");
    for (const zone of ["UTC", "Europe/Berlin"])
      expect(() => s.next({ seconds: 1_800_000_000, nanos: 0 }, tz(zone))).toThrow(ScheduleRangeError);
  });
  it("schedules with slots do not ask for a run at start", () => {
    expect(parseSchedule("@hourly").atStart).toBeUndefined();
    expect(parseSchedule(",M=0").atStart).toBeUndefined();
  });
});

describe("aliases chime does not run", () => {
  it("an unknown alias is named, with the known ones", () => {
    const msg = rejectionOf("@fortnightly");
    expect(msg).toContain('unknown cron alias "@fortnightly"');
    expect(msg).toContain(KNOWN);
  });
  it("an alias with more after it is not an alias", () => {
    expect(rejectionOf("@hourly 5")).toContain('unknown cron alias "@hourly 5"');
  });
});
