/**
 * DESIGN.md §4 DST rules in Europe/Berlin. 2025: spring forward 03-30 at 01:00Z (02:00 CET →
 * 03:00 CEST, local 02:00–02:59 does not exist); fall back 10-26 at 01:00Z (03:00 CEST →
 * 02:00 CET, local 02:00–02:59 occurs twice: first at +02, then at +01).
 */
import { describe, expect, it } from "vitest";
import { nextOf, upcoming } from "./upcoming.js";

const Z = "Europe/Berlin";

describe("ordinary days", () => {
  it("14:00 local is 13:00Z in winter and 12:00Z in summer", () => {
    expect(nextOf(",H=14", "2025-01-15T00:00:00Z", Z)).toBe("2025-01-15T13:00:00Z");
    expect(nextOf(",H=14", "2025-07-15T00:00:00Z", Z)).toBe("2025-07-15T12:00:00Z");
    expect(nextOf("0 14 * * *", "2025-07-15T00:00:00Z", Z)).toBe("2025-07-15T12:00:00Z");
  });
});

describe("spring gap (2025-03-30): a missing wall time moves forward by the gap", () => {
  it("daily 02:30 runs at 03:30 CEST that day, then 02:30 CEST again", () => {
    expect(upcoming(",H=2,M=30", "2025-03-29T00:00:00Z", Z, 3)).toEqual([
      "2025-03-29T01:30:00Z", // 02:30 CET
      "2025-03-30T01:30:00Z", // 02:30 missing → 03:30 CEST
      "2025-03-31T00:30:00Z", // 02:30 CEST
    ]);
  });
  it("from just after the gap (03:00–03:30 CEST) the moved 02:30 is still ahead: 03:30 CEST", () => {
    // E.g. the daemon restarted at 03:10 CEST: the day's 02:30 run (moved to 03:30) is still to come.
    expect(nextOf(",H=2,M=30", "2025-03-30T01:00:00Z", Z)).toBe("2025-03-30T01:30:00Z");
    expect(nextOf(",H=2,M=30", "2025-03-30T01:10:00Z", Z)).toBe("2025-03-30T01:30:00Z");
    expect(nextOf("30 2 * * *", "2025-03-30T01:10:00Z", Z)).toBe("2025-03-30T01:30:00Z");
  });
  it("cron 30 2 * * * behaves the same", () => {
    expect(nextOf("30 2 * * *", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T01:30:00Z");
    expect(nextOf("0 30 2 * * *", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T01:30:00Z");
  });
  it("02:00:00 → 03:00 CEST and 02:59:59 → 03:59:59 CEST", () => {
    expect(nextOf(",H=2", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T01:00:00Z");
    expect(nextOf(",H=2,M=59,S=59", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T01:59:59Z");
  });
  it("a weekly Sunday 02:30 job still runs on the spring Sunday", () => {
    expect(nextOf(",w=0,H=2,M=30", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T01:30:00Z");
  });
  it("quarter-hourly: no duplicates and no lost slots across the gap", () => {
    // 01:45 CET, then 02:00/02:15/… map onto the same instants as 03:00/03:15/… CEST.
    expect(upcoming(",M/15", "2025-03-30T00:45:00Z", Z, 6)).toEqual([
      "2025-03-30T00:45:00Z",
      "2025-03-30T01:00:00Z",
      "2025-03-30T01:15:00Z",
      "2025-03-30T01:30:00Z",
      "2025-03-30T01:45:00Z",
      "2025-03-30T02:00:00Z",
    ]);
  });
  it("hourly at :30 (runwhen and cron)", () => {
    const want = ["2025-03-30T00:30:00Z", "2025-03-30T01:30:00Z", "2025-03-30T02:30:00Z"];
    expect(upcoming(",M=30", "2025-03-30T00:00:00Z", Z, 3)).toEqual(want);
    expect(upcoming("30 * * * *", "2025-03-30T00:00:00Z", Z, 3)).toEqual(want);
  });
  it("every second runs straight through the transition", () => {
    expect(upcoming("", "2025-03-30T00:59:58.5Z", Z, 3)).toEqual(["2025-03-30T00:59:59Z", "2025-03-30T01:00:00Z", "2025-03-30T01:00:01Z"]);
  });
});

describe("fall overlap (2025-10-26): both occurrences only when every hour is allowed", () => {
  it("daily 02:30 runs once, at the first occurrence (CEST)", () => {
    expect(upcoming(",H=2,M=30", "2025-10-25T22:00:00Z", Z, 2)).toEqual([
      "2025-10-26T00:30:00Z", // 02:30 CEST
      "2025-10-27T01:30:00Z", // next day 02:30 CET; the CET 02:30 on the 26th is skipped
    ]);
    expect(upcoming("30 2 * * *", "2025-10-25T22:00:00Z", Z, 2)).toEqual(["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"]);
  });
  it("from inside the second occurrence the first is in the past: never earlier than the input", () => {
    expect(nextOf(",H=2,M=30", "2025-10-26T01:10:00Z", Z)).toBe("2025-10-27T01:30:00Z");
  });
  it("a list of hours is not every hour: 02:30 once, then 03:30 CET", () => {
    expect(upcoming("30 2,3 * * *", "2025-10-25T22:00:00Z", Z, 2)).toEqual(["2025-10-26T00:30:00Z", "2025-10-26T02:30:00Z"]);
    expect(nextOf(",H/2,M=30", "2025-10-26T00:30:01Z", Z)).toBe("2025-10-26T03:30:00Z"); // 04:30 CET
  });
  it("hourly at :30 matches 02:30 twice", () => {
    const want = ["2025-10-25T23:30:00Z", "2025-10-26T00:30:00Z", "2025-10-26T01:30:00Z", "2025-10-26T02:30:00Z"];
    expect(upcoming(",M=30", "2025-10-25T23:00:00Z", Z, 4)).toEqual(want);
    expect(upcoming("30 * * * *", "2025-10-25T23:00:00Z", Z, 4)).toEqual(want);
    expect(upcoming(",H/1,M=30", "2025-10-25T23:00:00Z", Z, 4)).toEqual(want);
    expect(upcoming("0 30 */1 * * *", "2025-10-25T23:00:00Z", Z, 4)).toEqual(want);
  });
  it("hourly on the hour: 02:00 CEST, 02:00 CET, 03:00 CET", () => {
    expect(upcoming("0 * * * *", "2025-10-25T23:30:00Z", Z, 3)).toEqual([
      "2025-10-26T00:00:00Z",
      "2025-10-26T01:00:00Z",
      "2025-10-26T02:00:00Z",
    ]);
    expect(nextOf(",M=0", "2025-10-26T00:00:01Z", Z)).toBe("2025-10-26T01:00:00Z");
  });
  it("the reference example: 02:45 CET with ,M/15 is itself", () => {
    expect(nextOf(",M/15", "2025-10-26T01:45:00Z", Z)).toBe("2025-10-26T01:45:00Z");
  });
  it("a Sunday 02:30 job on the fall Sunday runs once", () => {
    expect(upcoming(",w=0,H=2,M=30", "2025-10-25T12:00:00Z", Z, 2)).toEqual(["2025-10-26T00:30:00Z", "2025-11-02T01:30:00Z"]);
  });
  it("every second keeps going through the repeated hour", () => {
    expect(upcoming("", "2025-10-26T00:59:59Z", Z, 2)).toEqual(["2025-10-26T00:59:59Z", "2025-10-26T01:00:00Z"]);
  });
});
