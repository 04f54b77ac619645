/**
 * Asia/Kathmandu is +05:45 since 1986-01-01, +05:30 before: at 1985-12-31T18:30Z local midnight
 * became 00:15, so local 00:00–00:14 on 1986-01-01 is missing (a 15-minute gap, moved forward
 * by 15 minutes). No DST.
 */
import { describe, expect, it } from "vitest";
import { nextOf, upcoming } from "./upcoming.js";

const Z = "Asia/Kathmandu";

describe("+05:45", () => {
  it("14:00 local is 08:15Z", () => {
    expect(nextOf(",H=14", "2025-06-10T00:00:00Z", Z)).toBe("2025-06-10T08:15:00Z");
    expect(nextOf("0 14 * * *", "2025-06-10T00:00:00Z", Z)).toBe("2025-06-10T08:15:00Z");
  });
  it("local hours fall on :15 past the UTC hour", () => {
    expect(upcoming(",M=0", "2025-06-10T08:01:00Z", Z, 2)).toEqual(["2025-06-10T08:15:00Z", "2025-06-10T09:15:00Z"]);
  });
  it("local midnight on the 1st of the month", () => {
    expect(nextOf(",d=1", "2025-06-10T00:00:00Z", Z)).toBe("2025-06-30T18:15:00Z");
  });
  it("before 1986 the offset was +05:30", () => {
    expect(nextOf(",H=12", "1985-06-01T00:00:00Z", Z)).toBe("1985-06-01T06:30:00Z");
  });
});

describe("the 1986 offset change: a 15-minute gap", () => {
  it("1986-01-01 00:00 does not exist: moved forward to 00:15 +05:45", () => {
    expect(nextOf(",y=1986", "1985-06-01T00:00:00Z", Z)).toBe("1985-12-31T18:30:00Z");
    expect(nextOf(",m=1,d=1", "1985-06-01T00:00:00Z", Z)).toBe("1985-12-31T18:30:00Z");
  });
  it("00:05 → 00:20 +05:45", () => {
    expect(nextOf(",H=0,M=5", "1985-12-31T12:00:00Z", Z)).toBe("1985-12-31T18:35:00Z");
  });
  it("every 10 minutes: the moved 00:10 (= 00:25) comes after the real 00:20", () => {
    expect(upcoming(",M/10", "1985-12-31T18:20:00Z", Z, 5)).toEqual([
      "1985-12-31T18:20:00Z", // 23:50 +05:30
      "1985-12-31T18:30:00Z", // 00:00 → 00:15 +05:45
      "1985-12-31T18:35:00Z", // 00:20 +05:45
      "1985-12-31T18:40:00Z", // 00:10 → 00:25 +05:45
      "1985-12-31T18:45:00Z", // 00:30 +05:45
    ]);
  });
});
