// Edge cases found in a review of the rw-* tools and `chime next`, run as real processes.
// Expected values come from the published leap-second list (tai-oracle.ts) and GNU date.
import { describe, expect, it } from "vitest";
import { runBin } from "./run-bin.js";
import { dateToUnix, stampHex, unixOfStamp } from "./tai-oracle.js";

/** The TAI64N label of the inserted leap second 2016-12-31T23:59:60Z: one before 2017-01-01's. */
function leapSecondHex(): string {
  const nextDay = BigInt("0x" + stampHex(dateToUnix("2017-01-01T00:00:00Z")).slice(0, 16));
  return (nextDay - 1n).toString(16).padStart(16, "0") + "00000000";
}

describe("rw-match: a stamp inside an inserted leap second", () => {
  it("never answers before the stamp: 23:59:60 with no constraints gives 00:00:00 (not 23:59:59)", () => {
    const leap = leapSecondHex();
    const r = runBin("rw-match", ["@" + leap, ""], { TZ: "UTC" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const got = r.stdout.trim();
    expect(BigInt("0x" + got.slice(0, 16))).toBeGreaterThanOrEqual(BigInt("0x" + leap.slice(0, 16)));
    expect(unixOfStamp(got)).toEqual({ unix: dateToUnix("2017-01-01T00:00:00Z"), nanos: 0 });
  });

  it("the i form of the leap second (23:59:60) with an every-second schedule gives 00:00:00", () => {
    const r = runBin("rw-match", ["i2016-12-31T23:59:60Z", ",S/1"], { TZ: "UTC" });
    expect(r.status).toBe(0);
    expect(unixOfStamp(r.stdout.trim()).unix).toBe(dateToUnix("2017-01-01T00:00:00Z"));
  });

  it("chime next --from the leap second lists 00:00:00 first", () => {
    const r = runBin("chime", ["next", "", "--from", "@" + leapSecondHex(), "--count", "1"], { TZ: "UTC" });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("2017-01-01T00:00:00+00:00\n");
  });
});
