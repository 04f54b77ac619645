// The rw-* tools read the local zone's offsets through Date instead of Intl (start-up cost).
// These tests hold that shortcut to the same answers as Intl.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dateCanServe, localZone } from "../../src/cli/local-zone.js";
import { runBin } from "./run-bin.js";
import { dateToUnix, stampHex } from "./tai-oracle.js";
import { requires } from "../support/requires.js";

const ZONEINFO = "/usr/share/zoneinfo";

function zoneFiles(dir = ZONEINFO, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${e}` : e;
    const st = statSync(join(dir, rel));
    if (st.isDirectory()) out.push(...zoneFiles(dir, rel));
    else if (/^[A-Z]/.test(rel) && !rel.includes(".") && rel !== "Factory") out.push(rel);
  }
  return out;
}

requires("zoneinfo").describe("Date's local time agrees with Intl", () => {
  it("for every zone the Date path may serve, every quarter from 1950 to 2040", () => {
    const zones = zoneFiles();
    expect(zones.filter(dateCanServe).length).toBeGreaterThan(300);
    // In a child process: Date's local zone is process-wide, so TZ is changed there, not here.
    const script = `
      const re = /^(\\d+)\\/(\\d+)\\/(\\d+) ([A-Z]+), (\\d+):(\\d+):(\\d+)$/;
      const fields = (y, mo, d, h, mi, s) => Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
      const bad = [];
      for (const zone of JSON.parse(process.argv[1])) {
        process.env.TZ = zone;
        const f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", era: "short", year: "numeric",
          month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
        for (let u = -631152000; u < 2208988800; u += 7862400 + 3613) {
          const m = re.exec(f.format(u * 1000));
          const intl = fields(+m[3], +m[1], +m[2], +m[5], +m[6], +m[7]) - u;
          const d = new Date(u * 1000);
          const local = fields(d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()) - u;
          if (intl !== local) { bad.push(zone); break; }
        }
      }
      console.log(JSON.stringify(bad));`;
    const r = spawnSync(process.execPath, ["-e", script, JSON.stringify(zones)], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
    expect(r.stderr).toBe("");
    const disagree: string[] = JSON.parse(r.stdout);
    // ICU's host-zone detection reads TZ=Eire as a fixed +01:00: such names must take Intl.
    expect(disagree.filter(dateCanServe)).toEqual([]);
    if (zones.includes("Eire")) expect(dateCanServe("Eire")).toBe(false);
  });
});

requires("zoneinfo").describe("localZone", () => {
  it("takes the fast path only for this process's own TZ or system zone", () => {
    // A TZ set by the chain is not Date's zone: zoneFromEnv's checked path names the bad value.
    expect(() => localZone({ TZ: "4000000067e89ebd00000000" }, process.env["TZ"])).toThrow(
      /unknown time zone in TZ: 4000000067e89ebd00000000/,
    );
    expect(() => localZone({ TZ: "right/Europe/Berlin" }, process.env["TZ"])).toThrow(/unknown time zone/);
    expect(dateCanServe("Europe/Berlin")).toBe(true);
    expect(dateCanServe("Etc/GMT+5")).toBe(true);
    for (const odd of ["right/Europe/Berlin", "posix/Europe/Berlin", "Europe", "../etc/passwd", "localtime", "Factory", "US/Eastern"]) {
      expect(dateCanServe(odd)).toBe(false);
    }
    expect(localZone({ TZ: "Asia/Kathmandu" }, process.env["TZ"]).name).toBe("Asia/Kathmandu");
  });

  it("reads the offsets of the process's own zone right (compared with Intl at other zone names)", () => {
    const own = localZone(process.env, process.env["TZ"]);
    // "Etc/UTC" and "UTC", or "Europe/Berlin" twice: one name is Date-backed, the alias is not.
    for (let u = 0; u < 2_000_000_000; u += 10_000_019) {
      expect(own.offsetAt(u)).toBe(-new Date(u * 1000).getTimezoneOffset() * 60 || 0);
    }
  });
});

/** The offset Intl gives `zone` at `unix` (seconds east of UTC). */
function intlOffset(zone: string, unix: number): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: zone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(unix * 1000);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second")) / 1000 - unix || 0;
}

requires("zoneinfo").describe("localZone: universal zones need no zone data", () => {
  it.each(["UTC", "Etc/UTC", "Etc/GMT+5", "Etc/GMT-14", "Etc/GMT+0"])(
    "%s as this process's TZ: Intl's offsets, from the name alone",
    (zone) => {
      const saved = process.env["TZ"];
      process.env["TZ"] = zone;
      try {
        const z = localZone(process.env, process.env["TZ"]);
        expect(z.name).toBe(zone);
        for (let u = -2_000_000_000; u < 4_000_000_000; u += 100_000_007) expect(z.offsetAt(u)).toBe(intlOffset(zone, u));
      } finally {
        if (saved === undefined) delete process.env["TZ"];
        else process.env["TZ"] = saved;
      }
    },
  );
});

describe("rw-match through the Date path keeps the DST rules (reference §3.6, hand-checked)", () => {
  it.each([
    ["i2025-03-30T01:30:00+0100", ",M=00", "4000000067e897b500000000"], // 02:00 does not exist → 03:00 CEST
    ["i2025-03-29T12:00:00+0100", ",H=2,M=30", "4000000067e89ebd00000000"], // 02:30 → 03:30 CEST
    ["i2025-10-26T02:45:00+0100", ",M/15", "4000000068fd7d4100000000"], // 2nd 02:45 matches itself
    ["i2025-02-01T00:00:00+0100", ",d-3,H=14,M/15", "4000000067bf107500000000"],
    ["i2024-02-01T00:00:00+0100", ",d-3,H=14,M/15", "4000000065dddcf500000000"],
    ["i2025-03-29T12:00:00+0100", ",w=0,H=3", "4000000067e897b500000000"],
    ["i2025-10-26T00:00:00+0200", ",w=0,H=3", "4000000068fd80c500000000"],
  ])("TZ=Europe/Berlin rw-match %s %s", (from, constraints, expected) => {
    for (const tz of ["Europe/Berlin", ":Europe/Berlin"]) {
      const r = runBin("rw-match", [from, constraints], { TZ: tz });
      expect(r.stderr).toBe("");
      expect(r.stdout).toBe(expected + "\n");
    }
  });
});

describe("aliases take the Intl path and are still right", () => {
  it.each([
    ["Eire", "2025-01-15T13:00:00Z"], // Irish winter time is GMT (Date alone would say +01:00)
    ["US/Eastern", "2025-01-15T18:00:00Z"],
    ["Asia/Calcutta", "2025-01-16T07:30:00Z"],
  ])("TZ=%s rw-match ,H=13", (tz, expected) => {
    const r = runBin("rw-match", ["i2025-01-15T12:00:00+0000", ",H=13"], { TZ: tz });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(stampHex(dateToUnix(expected)) + "\n");
  });
});
