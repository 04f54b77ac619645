// `chime next` as a process (dist/bin/chime.cjs). Expected times are worked out by hand from the
// DST rules in DESIGN.md §4 and cross-checked with GNU date.
import { expect, it } from "vitest";
import { runBin } from "./run-bin.js";
import { dateToUnix, isoByDate, withDateOracle } from "./tai-oracle.js";

function next(args: string[], tz: string) {
  return runBin("chime", ["next", ...args], { TZ: tz });
}

function lines(args: string[], tz: string): string[] {
  const r = next(args, tz);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  return r.stdout.trimEnd().split("\n");
}

withDateOracle.describe("chime next", () => {
  it("spring forward in Berlin: 02:00 does not exist and moves to 03:00, listed once", () => {
    const expected = ["2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"];
    expect(lines([",M=0", "--from", "i2026-03-29T00:30:00+0100", "--count", "3"], "Europe/Berlin")).toEqual(expected);
    const unixes = ["2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z"].map((t) => dateToUnix(t));
    expect(isoByDate(unixes, "Europe/Berlin")).toEqual(expected);
  });

  it("fall back in Berlin: an hourly schedule matches both 02:00s", () => {
    const expected = ["2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00", "2026-10-25T04:00:00+01:00"];
    expect(lines([",M=0", "--from", "2026-10-25T01:30:00+0200", "--count", "4"], "Europe/Berlin")).toEqual(expected);
    const unixes = [0, 1, 2, 3].map((h) => dateToUnix("2026-10-25T00:00:00Z") + h * 3600);
    expect(isoByDate(unixes, "Europe/Berlin")).toEqual(expected);
  });

  it("prints the zone's odd offsets (Asia/Kathmandu +05:45)", () => {
    expect(lines([",M=0", "--from", "i2026-01-01T10:10:00+0545", "--count", "2"], "Asia/Kathmandu")).toEqual([
      "2026-01-01T11:00:00+05:45",
      "2026-01-01T12:00:00+05:45",
    ]);
  });

  it("reads cron expressions too", () => {
    expect(lines(["30 2 * * *", "--from", "i2026-01-01T00:00:00+0000", "--count", "2"], "UTC")).toEqual([
      "2026-01-01T02:30:00+00:00",
      "2026-01-02T02:30:00+00:00",
    ]);
  });

  it("defaults to five times from now, in order", () => {
    const before = Math.floor(Date.now() / 1000);
    const out = lines([",S/10"], "UTC");
    expect(out).toHaveLength(5);
    const unixes = out.map((l) => Date.parse(l) / 1000);
    expect(unixes[0]).toBeGreaterThanOrEqual(before);
    for (let i = 1; i < 5; i++) expect(unixes[i]! - unixes[i - 1]!).toBe(10);
    for (const u of unixes) expect(u % 10).toBe(0);
  });

  it("stops quietly when a schedule has no more matches", () => {
    expect(lines([",y=2030", "--from", "i2026-01-01T00:00:00+0000", "--count", "3"], "UTC")).toEqual(["2030-01-01T00:00:00+00:00"]);
  });

  it("--help prints the usage and exits 0", () => {
    const r = next(["--help"], "UTC");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: chime next SCHEDULE \[--from STAMP\] \[--count N\]/);
  });

  it.each([
    [[], /missing SCHEDULE/],
    [[",M=0", ",H=1"], /one SCHEDULE/],
    [[",M=0", "--bogus"], /--bogus/],
    [[",M=0", "--count", "0"], /next: --count: must be from 1 to 1000: "0"$/],
    [[",M=0", "--count", "x"], /next: --count: not a whole number: "x"$/],
    [[",M=0", "--count", "1001"], /next: --count: must be from 1 to 1000: "1001"$/],
    [[",M=0", "--count", "-1"], /next: --count: not a whole number: "-1"$/],
    [[",M=0", "--from", "zz"], /--from: malformed timestamp: zz$/],
    [[",M=0", "--from", "$UNSET_CHIME_TEST"], /malformed timestamp: \$UNSET_CHIME_TEST$/],
    [[",H=24"], /,H=24/],
    [[",y=1999", "--from", "i2026-01-01T00:00:00+0000"], /timestamp out of range/],
    [["61 * * * *"], /61/],
  ])("bad input %j: one line naming it, exit 100", (args, message) => {
    const r = next(args, "UTC");
    expect(r.status).toBe(100);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr.trimEnd()).toMatch(/^chime: /);
    expect(r.stderr.trimEnd()).toMatch(message);
  });

  it("an unknown TZ is an error naming it", () => {
    const r = next([",M=0"], "Mars/Olympus_Mons");
    expect(r.status).toBe(100);
    expect(r.stderr).toMatch(/Mars\/Olympus_Mons/);
  });
});
