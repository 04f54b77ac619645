// isoLocal against GNU date's %:z formatting over random instants in zones with DST, half-hour
// DST (Lord Howe) and a 45-minute offset (Kathmandu).
import fc from "fast-check";
import { expect, it } from "vitest";
import { isoLocal } from "../../src/schedule/iso-local.js";
import { isoByDate, withDateOracle } from "../cli/tai-oracle.js";
import { tz } from "../zones.js";

const ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu"];

withDateOracle.describe("isoLocal", () => {
  it.each(ZONES)("agrees with date(1) in %s", (zone) => {
    const unixes = fc.sample(fc.integer({ min: 0, max: 4_102_444_800 }), 300);
    // and every transition hour of 2026 on either side
    for (let u = 1_767_225_600; u < 1_798_761_600; u += 86_400 * 7) unixes.push(u);
    const ours = unixes.map((u) => isoLocal({ seconds: u, nanos: 0 }, tz(zone)));
    expect(ours).toEqual(isoByDate(unixes, zone));
  });

  it("shows both sides of the Berlin fall-back hour", () => {
    expect(isoLocal({ seconds: 1_792_886_400, nanos: 0 }, tz("Europe/Berlin"))).toBe("2026-10-25T02:00:00+02:00");
    expect(isoLocal({ seconds: 1_792_890_000, nanos: 0 }, tz("Europe/Berlin"))).toBe("2026-10-25T02:00:00+01:00");
  });
});
