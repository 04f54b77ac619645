/**
 * DESIGN.md §4 DST rules with a 30-minute shift: Australia/Lord_Howe is +10:30, +11 in summer.
 * 2025-04-06 at 15:00Z (04-05): 02:00 +11 → 01:30 +10:30, so local 01:30–01:59 occurs twice.
 * 2025-10-05 at 15:30Z (10-04): 02:00 +10:30 → 02:30 +11, so local 02:00–02:29 is missing and
 * a missing wall time moves forward by 30 minutes (02:15 → 02:45).
 */
import { describe, expect, it } from "vitest";
import { nextOf, upcoming } from "./upcoming.js";

const Z = "Australia/Lord_Howe";

describe("spring gap of 30 minutes (2025-10-05)", () => {
  it("02:15 → 02:45 +11; 02:00 → 02:30 +11", () => {
    expect(nextOf(",H=2,M=15", "2025-10-04T12:00:00Z", Z)).toBe("2025-10-04T15:45:00Z");
    expect(nextOf(",H=2", "2025-10-04T12:00:00Z", Z)).toBe("2025-10-04T15:30:00Z");
    expect(nextOf("15 2 * * *", "2025-10-04T12:00:00Z", Z)).toBe("2025-10-04T15:45:00Z");
  });
  it("02:30 exists and is the same instant as the moved 02:00", () => {
    expect(nextOf(",H=2,M=30", "2025-10-04T12:00:00Z", Z)).toBe("2025-10-04T15:30:00Z");
  });
  it("the day after, 02:15 is 02:15 +11", () => {
    expect(nextOf(",H=2,M=15", "2025-10-04T15:45:01Z", Z)).toBe("2025-10-05T15:15:00Z");
  });
  it("quarter-hourly through the gap", () => {
    // 01:45 +10:30, then 02:00→02:30 and 02:30 (15:30Z), 02:15→02:45 and 02:45 (15:45Z), 03:00.
    expect(upcoming(",M/15", "2025-10-04T15:15:00Z", Z, 4)).toEqual([
      "2025-10-04T15:15:00Z",
      "2025-10-04T15:30:00Z",
      "2025-10-04T15:45:00Z",
      "2025-10-04T16:00:00Z",
    ]);
  });
  it("earliest instant wins: a real 02:40 comes before the moved 02:15 (= 02:45)", () => {
    expect(upcoming("15,40 2 * * *", "2025-10-04T12:00:00Z", Z, 3)).toEqual([
      "2025-10-04T15:40:00Z", // 02:40 +11
      "2025-10-04T15:45:00Z", // 02:15 moved forward by 30 min
      "2025-10-05T15:15:00Z", // next day 02:15 +11
    ]);
  });
});

describe("fall overlap of 30 minutes (2025-04-06)", () => {
  it("daily 01:45 runs once, at 01:45 +11", () => {
    expect(upcoming(",H=1,M=45", "2025-04-05T12:00:00Z", Z, 2)).toEqual([
      "2025-04-05T14:45:00Z",
      "2025-04-06T15:15:00Z", // next day 01:45 +10:30
    ]);
  });
  it("quarter-hourly runs 01:30 and 01:45 twice", () => {
    expect(upcoming(",M/15", "2025-04-05T14:30:00Z", Z, 5)).toEqual([
      "2025-04-05T14:30:00Z", // 01:30 +11
      "2025-04-05T14:45:00Z", // 01:45 +11
      "2025-04-05T15:00:00Z", // 01:30 +10:30
      "2025-04-05T15:15:00Z", // 01:45 +10:30
      "2025-04-05T15:30:00Z", // 02:00 +10:30 (exists once)
    ]);
  });
  it("01:30 with the hour restricted: first occurrence only", () => {
    expect(nextOf("30 1 * * *", "2025-04-05T14:30:01Z", Z)).toBe("2025-04-06T15:00:00Z");
  });
});
