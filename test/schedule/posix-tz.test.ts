/**
 * POSIX TZ rule strings (TZ=CET-1CEST,M3.5.0,M10.5.0/3), as libc reads them when TZ names no zone
 * file. Oracles: GNU date with the same TZ (glibc's own reading), and the reference §3.6 examples,
 * which a POSIX string spelling Berlin's rules must reproduce label for label.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { parsePosixTz } from "../../src/schedule/posix-tz.js";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { zoneFromEnv } from "../../src/cli/local-zone.js";
import { runBin } from "../cli/run-bin.js";

/** glibc's UTC offsets (seconds east) at many instants, from `date +%z` with TZ as given. */
function offsetsByDate(unixes: readonly number[], tz: string): number[] {
  const input = unixes.map((u) => `@${u}`).join("\n") + "\n";
  const out = execFileSync("date", ["-f", "-", "+%z"], { input, env: { ...process.env, TZ: tz } }).toString();
  return out
    .trim()
    .split("\n")
    .map((z) => (z[0] === "-" ? -1 : 1) * (Number(z.slice(1, 3)) * 3600 + Number(z.slice(3, 5)) * 60));
}

describe("POSIX TZ strings agree with glibc", () => {
  const zones = [
    "CET-1CEST,M3.5.0,M10.5.0/3", // Europe/Berlin
    "EST5EDT,M3.2.0,M11.1.0", // IANA has EST5EDT too; the rules here are the same
    "EST+5EDT4,M3.2.0/2:00:00,M11.1.0/2", // explicit sign, dst offset and times
    "AEST-10AEDT,M10.1.0,M4.1.0/3", // southern hemisphere: DST spans the new year
    "NZST-12NZDT,M9.5.0,M4.1.0/3",
    "<-03>3<-02>,M3.5.0/-2,M10.5.0/-1", // quoted names, negative transition times (Nuuk)
    "<+0330>-3:30", // no DST, a half-hour offset
    "JST-9",
    "UTC0",
    "XXX3YYY,J60/1,J300", // Julian days (29 February never counted)
    "XXX3YYY,59,299", // zero-based days (29 February counted)
    "ABC-2DEF,M1.5.6/25,M12.5.6/-3", // week 5 = the last; times past 24 h and below 0
  ];
  // Every 3 h 17 min 31 s over 2023–2026 (a leap year among them), so each transition is bracketed.
  const instants: number[] = [];
  for (let u = 1672531200; u < 1798761600; u += 3 * 3600 + 17 * 60 + 31) instants.push(u);

  it.each(zones)("%s", (tz) => {
    const zone = zoneFromEnv({ TZ: tz });
    const expected = offsetsByDate(instants, tz);
    const got = instants.map((u) => zone.offsetAt(u));
    const firstBad = got.findIndex((o, i) => o !== expected[i]);
    expect(firstBad === -1 ? "all agree" : `differs at ${instants[firstBad]}: ${got[firstBad]} vs ${expected[firstBad]}`).toBe("all agree");
  });

  it("transitions to the second: Berlin's rules switch at 01:00:00Z on the last Sundays", () => {
    const zone = zoneFromEnv({ TZ: "CET-1CEST,M3.5.0,M10.5.0/3" });
    const around = [1743296399, 1743296400, 1761440399, 1761440400]; // 2025-03-30/10-26 00:59:59Z, 01:00:00Z
    expect(around.map((u) => zone.offsetAt(u))).toEqual(offsetsByDate(around, "CET-1CEST,M3.5.0,M10.5.0/3"));
  });

  it.each(["CET", "XYZ", "CET-1CEST,M3.5.0", "CET-1CEST,M13.5.0,M10.5.0", "CET-25", "AB-1", "CET-1CEST,J366,J300", "Mars/Olympus"])(
    "not a zone: %s",
    (tz) => {
      if (tz === "CET") return expect(zoneFromEnv({ TZ: tz }).name).toBe("CET"); // an IANA name
      expect(parsePosixTz(tz)).toBeNull();
      expect(() => zoneFromEnv({ TZ: tz })).toThrow(`unknown time zone in TZ: ${tz}`);
    },
  );
});

describe("the reference §3.6 examples with Berlin's rules spelled as a POSIX string", () => {
  const TZ = "CET-1CEST,M3.5.0,M10.5.0/3";
  it.each([
    ["i2025-03-30T01:30:00+0100", ",M=00", "4000000067e897b500000000"], // 02:00 missing → 03:00 CEST
    ["i2025-03-29T12:00:00+0100", ",H=2,M=30", "4000000067e89ebd00000000"], // gap → 03:30 CEST
    ["i2025-10-26T02:45:00+0100", ",M/15", "4000000068fd7d4100000000"], // 2nd 02:45 matches itself
    ["i2025-03-29T12:00:00+0100", ",w=0,H=3", "4000000067e897b500000000"],
    ["i2025-10-26T00:00:00+0200", ",w=0,H=3", "4000000068fd80c500000000"],
  ])("rw-match %s %s", (from, constraints, label) => {
    const r = runBin("rw-match", [from, constraints], { TZ });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(label + "\n");
  });

  it("a daily schedule in a southern POSIX zone runs once across the April fall-back", () => {
    const s = parseSchedule(",H=2,M=30");
    const zone = zoneFromEnv({ TZ: "AEST-10AEDT,M10.1.0,M4.1.0/3" });
    // 2025-04-06 02:30 occurs twice (03:00 AEDT → 02:00 AEST); the first is 2025-04-05T15:30Z.
    const first = s.next({ seconds: 1743854400, nanos: 0 }, zone); // 2025-04-05T12:00Z
    const second = s.next({ seconds: first.seconds + 1, nanos: 0 }, zone);
    expect(first.seconds).toBe(1743867000);
    expect(second.seconds - first.seconds).toBe(86400 + 3600); // the next day's 02:30 AEST
  });
});
