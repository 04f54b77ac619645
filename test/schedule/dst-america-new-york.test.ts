/**
 * DESIGN.md §4 DST rules in America/New_York, where clocks change at 02:00 local.
 * 2025: spring 03-09 at 07:00Z (02:00 EST → 03:00 EDT; 02:00–02:59 missing);
 * fall 11-02 at 06:00Z (02:00 EDT → 01:00 EST; 01:00–01:59 twice, first at −04, then −05).
 * 2006 (before the 2007 US rule change): spring 04-02 at 07:00Z.
 */
import { describe, expect, it } from "vitest";
import { nextOf, upcoming } from "./upcoming.js";

const Z = "America/New_York";

describe("spring gap", () => {
  it("daily 02:30 runs at 03:30 EDT on the spring day", () => {
    expect(upcoming(",H=2,M=30", "2025-03-08T12:00:00Z", Z, 3)).toEqual([
      "2025-03-09T07:30:00Z", // 02:30 missing → 03:30 EDT
      "2025-03-10T06:30:00Z", // 02:30 EDT
      "2025-03-11T06:30:00Z",
    ]);
    expect(nextOf("30 2 * * *", "2025-03-08T12:00:00Z", Z)).toBe("2025-03-09T07:30:00Z");
  });
  it("daily 02:00 runs at 03:00 EDT", () => {
    expect(nextOf("0 2 * * *", "2025-03-08T12:00:00Z", Z)).toBe("2025-03-09T07:00:00Z");
  });
  it("every 30 minutes: 01:30 EST, then 03:00 EDT, 03:30 EDT", () => {
    expect(upcoming("*/30 * * * *", "2025-03-09T06:30:00Z", Z, 3)).toEqual([
      "2025-03-09T06:30:00Z",
      "2025-03-09T07:00:00Z",
      "2025-03-09T07:30:00Z",
    ]);
  });
  it("the old US rules: first Sunday in April 2006", () => {
    expect(nextOf(",H=2,M=30", "2006-04-01T12:00:00Z", Z)).toBe("2006-04-02T07:30:00Z");
    expect(nextOf(",H=2,M=30", "2006-03-12T00:00:00Z", Z)).toBe("2006-03-12T07:30:00Z"); // still EST in March 2006
  });
});

describe("fall overlap", () => {
  it("daily 01:30 runs once, at 01:30 EDT", () => {
    expect(upcoming(",H=1,M=30", "2025-11-01T00:00:00Z", Z, 3)).toEqual([
      "2025-11-01T05:30:00Z",
      "2025-11-02T05:30:00Z", // 01:30 EDT; 01:30 EST (06:30Z) skipped
      "2025-11-03T06:30:00Z", // 01:30 EST
    ]);
    expect(nextOf("30 1 * * *", "2025-11-02T05:30:01Z", Z)).toBe("2025-11-03T06:30:00Z");
  });
  it("hourly at :30 runs at both 01:30s", () => {
    expect(upcoming(",M=30", "2025-11-02T05:00:00Z", Z, 3)).toEqual([
      "2025-11-02T05:30:00Z",
      "2025-11-02T06:30:00Z",
      "2025-11-02T07:30:00Z",
    ]);
  });
  it("cron hours 0-23 is every hour: both occurrences", () => {
    expect(upcoming("15 0-23 * * *", "2025-11-02T05:00:00Z", Z, 3)).toEqual([
      "2025-11-02T05:15:00Z",
      "2025-11-02T06:15:00Z",
      "2025-11-02T07:15:00Z",
    ]);
  });
  it("cron hours 1-3 is not: 01:15 EDT, then 02:15 EST", () => {
    expect(upcoming("15 1-3 * * *", "2025-11-02T05:00:00Z", Z, 2)).toEqual(["2025-11-02T05:15:00Z", "2025-11-02T07:15:00Z"]);
  });
});
