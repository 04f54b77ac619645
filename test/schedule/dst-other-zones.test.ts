/**
 * DESIGN.md §4 DST rules in zones with unusual transitions (the property test's zone list),
 * worked out by hand from the tz database's rules:
 * - America/Santiago changes at local midnight: 2025-09-07 00:00 −04 → 01:00 −03 (04:00Z);
 *   2025-04-06 00:00 −03 → 2025-04-05 23:00 −04 (03:00Z).
 * - Pacific/Apia skipped Friday 2011-12-30 entirely: 2011-12-29 24:00 −10 → 2011-12-31 00:00 +14
 *   (2011-12-30T10:00Z), a 24-hour gap.
 * - Antarctica/Troll switches +00 ↔ +02 at 01:00Z: a two-hour gap and overlap.
 * - Europe/Dublin (tzdata's "negative DST": winter is the exception) is +00/+01 at 01:00Z.
 */
import { describe, expect, it } from "vitest";
import { nextOf, upcoming } from "./upcoming.js";

describe("America/Santiago: the gap and overlap sit at midnight", () => {
  const Z = "America/Santiago";
  it("a daily midnight job runs at 01:00 −03 on the day midnight is missing", () => {
    expect(nextOf(",H=0", "2025-09-06T12:00:00Z", Z)).toBe("2025-09-07T04:00:00Z");
    expect(nextOf("0 0 * * *", "2025-09-06T12:00:00Z", Z)).toBe("2025-09-07T04:00:00Z");
  });
  it("00:30 → 01:30 −03, then 00:30 −03 the next day", () => {
    expect(upcoming(",H=0,M=30", "2025-09-06T12:00:00Z", Z, 2)).toEqual(["2025-09-07T04:30:00Z", "2025-09-08T03:30:00Z"]);
  });
  it("23:30 on the evening that repeats 23:00–23:59 runs once, at the first (−03)", () => {
    expect(upcoming(",H=23,M=30", "2025-04-05T12:00:00Z", Z, 2)).toEqual(["2025-04-06T02:30:00Z", "2025-04-07T03:30:00Z"]);
  });
  it("hourly at :30 runs at both 23:30s", () => {
    expect(upcoming(",M=30", "2025-04-06T02:00:00Z", Z, 3)).toEqual([
      "2025-04-06T02:30:00Z",
      "2025-04-06T03:30:00Z",
      "2025-04-06T04:30:00Z",
    ]);
  });
});

describe("Pacific/Apia: the day that never was", () => {
  const Z = "Pacific/Apia";
  it("noon daily: the missing 30 December's noon moves forward a whole day, onto 31 December's", () => {
    expect(upcoming(",H=12", "2011-12-29T00:00:00Z", Z, 3)).toEqual([
      "2011-12-29T22:00:00Z", // 29 Dec 12:00 −10
      "2011-12-30T22:00:00Z", // 30 Dec missing → 31 Dec 12:00 +14 (the same instant as 31 Dec noon)
      "2011-12-31T22:00:00Z", // 1 Jan 12:00 +14
    ]);
  });
  it("a monthly job on the 30th still runs in December 2011", () => {
    expect(nextOf(",d=30", "2011-12-01T00:00:00Z", Z)).toBe("2011-12-30T10:00:00Z"); // 31 Dec 00:00 +14
  });
  it("Friday jobs: there was no Friday that week", () => {
    // 30 Dec 2011 was the Friday; its 09:00 moves forward 24 h to Saturday 31 Dec 09:00 +14.
    expect(nextOf(",w=5,H=9", "2011-12-29T00:00:00Z", Z)).toBe("2011-12-30T19:00:00Z");
  });
});

describe("Antarctica/Troll: two-hour changes", () => {
  const Z = "Antarctica/Troll";
  it("02:30 in the two-hour gap moves forward two hours: 04:30 +02", () => {
    expect(nextOf(",H=2,M=30", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T02:30:00Z");
  });
  it("01:30 in the repeated two hours runs once, at 01:30 +02", () => {
    expect(upcoming(",H=1,M=30", "2025-10-25T12:00:00Z", Z, 2)).toEqual(["2025-10-25T23:30:00Z", "2025-10-27T01:30:00Z"]);
  });
  it("hourly at :30 runs four times in those two hours", () => {
    expect(upcoming("30 * * * *", "2025-10-25T23:00:00Z", Z, 5)).toEqual([
      "2025-10-25T23:30:00Z", // 01:30 +02
      "2025-10-26T00:30:00Z", // 02:30 +02
      "2025-10-26T01:30:00Z", // 01:30 +00
      "2025-10-26T02:30:00Z", // 02:30 +00
      "2025-10-26T03:30:00Z", // 03:30 +00
    ]);
  });
});

describe("Europe/Dublin: offsets, not the DST flag, decide", () => {
  const Z = "Europe/Dublin";
  it("spring: 01:30 does not exist → 02:30 IST", () => {
    expect(nextOf(",H=1,M=30", "2025-03-29T12:00:00Z", Z)).toBe("2025-03-30T01:30:00Z");
  });
  it("fall: 01:30 twice → once, at 01:30 IST", () => {
    expect(upcoming(",H=1,M=30", "2025-10-25T12:00:00Z", Z, 2)).toEqual(["2025-10-26T00:30:00Z", "2025-10-27T01:30:00Z"]);
  });
  it("summer noon is 11:00Z, winter noon 12:00Z", () => {
    expect(nextOf(",H=12", "2025-07-01T00:00:00Z", Z)).toBe("2025-07-01T11:00:00Z");
    expect(nextOf(",H=12", "2025-01-01T00:00:00Z", Z)).toBe("2025-01-01T12:00:00Z");
  });
});
