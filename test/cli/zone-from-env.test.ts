/** The local zone comes from TZ (an IANA name, optional leading ':'), else the system zone. */
import { describe, expect, it } from "vitest";
import { ScheduleError } from "../../src/schedule/schedule.js";
import { zoneFromEnv } from "../../src/cli/local-zone.js";

describe("zoneFromEnv", () => {
  it("takes TZ as given", () => {
    expect(zoneFromEnv({ TZ: "Europe/Berlin" }).name).toBe("Europe/Berlin");
    expect(zoneFromEnv({ TZ: "Asia/Kathmandu" }).name).toBe("Asia/Kathmandu");
  });
  it("drops the POSIX leading ':'", () => {
    expect(zoneFromEnv({ TZ: ":America/New_York" }).name).toBe("America/New_York");
  });
  it("falls back to the system zone when TZ is unset", () => {
    const system = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const got = zoneFromEnv({}).name;
    // The same zone, possibly under another of its names (UTC vs Etc/UTC).
    const offsets = (z: string) => [0, 1.6e12, 1.75e12].map((ms) => new Date(ms).toLocaleString("en-US", { timeZone: z }));
    expect(offsets(got)).toEqual(offsets(system));
  });
  it("reads a TZ set but empty as UTC, as glibc, musl and tzcode do (not as the system zone)", () => {
    expect(zoneFromEnv({ TZ: "" }).name).toBe("UTC");
  });
  it("rejects an unknown zone, naming it", () => {
    expect(() => zoneFromEnv({ TZ: "Mars/Olympus_Mons" })).toThrow(ScheduleError);
    expect(() => zoneFromEnv({ TZ: "Mars/Olympus_Mons" })).toThrow(/Mars\/Olympus_Mons/);
  });
});
