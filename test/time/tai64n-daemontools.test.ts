/**
 * Log labels (src/time/log-label.ts) against Debian's real daemontools: `tai64n` stamps lines
 * with the same labels we make for the same moment, and `tai64nlocal` reads our labels back as
 * the local time `date` prints for that second, in several zones.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { logLabel, logLabelFromMs } from "../../src/time/log-label.js";
import { parseLogLabel } from "../support/parse-log-label.js";
import { requires } from "../support/requires.js";

function run(argv: readonly string[], input: string, env: NodeJS.ProcessEnv = process.env): string {
  const [cmd = "", ...args] = argv;
  const r = spawnSync(cmd, args, { input, env, encoding: "utf8" });
  if (r.error) throw r.error;
  expect(r.status, `${cmd} ${r.stderr}`).toBe(0);
  return r.stdout;
}

requires("tai64n").describe("tai64n stamps lines with our labels", () => {
  it("a label from tai64n lies between ours taken just before and just after", () => {
    const before = logLabelFromMs(Date.now() - 1000); // tai64n reads the clock at microsecond precision
    const out = run(["tai64n"], "one\ntwo\n");
    const after = logLabelFromMs(Date.now() + 1000);
    const lines = out.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      const label = line.slice(0, 25);
      expect(label).toMatch(/^@4[0-9a-f]{23}$/);
      // Same-length lowercase hex: string order is numeric order.
      expect(label >= before && label <= after, `${before} ≤ ${label} ≤ ${after}`).toBe(true);
      const parsed = parseLogLabel(label);
      expect(parsed).not.toBeNull();
      expect(Math.abs((parsed?.seconds ?? 0) * 1000 - Date.now())).toBeLessThan(5000);
      expect(logLabel(parsed?.seconds ?? 0, parsed?.nanos ?? 0)).toBe(label);
    }
  });
});

/** Instants around the edges that matter: epoch, DST changes, 2^31, a leap-second day, far future. */
const SECONDS = [
  0, 1, 78796799, 78796800, 915148799, 915148800, 1483228799, 1483228800, 1743296399, 1743296400, 1761440399, 1761440400, 1761444000,
  2147483647, 2147483648, 4102444800, 4102444799,
];
const NANOS = [0, 1, 500, 999_999_999, 123_456_789];

requires("tai64nlocal", "GNU date with zoneinfo").describe("tai64nlocal reads our labels as `date` prints the same second", () => {
  for (const zone of ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kathmandu", "Australia/Lord_Howe"]) {
    it(`TZ=${zone}`, () => {
      const env = { ...process.env, TZ: zone };
      const cases = SECONDS.map((s, i) => [s, NANOS[i % NANOS.length] ?? 0] as const);
      const input = cases.map(([s, n]) => `${logLabel(s, n)} line ${s}\n`).join("");
      const local = run(["tai64nlocal"], input, env).trimEnd().split("\n");
      const dates = run(["date", "-f", "-", "+%Y-%m-%d %H:%M:%S"], cases.map(([s]) => `@${s}\n`).join(""), env)
        .trimEnd()
        .split("\n");
      expect(local).toHaveLength(cases.length);
      cases.forEach(([s, n], i) => {
        expect(local[i]).toBe(`${dates[i]}.${String(n).padStart(9, "0")} line ${s}`);
      });
    });
  }

  it("lines without a leading label pass through unchanged", () => {
    const out = run(["tai64nlocal"], `  ${logLabel(0, 0)} indented\nplain\n`, { ...process.env, TZ: "UTC" });
    expect(out).toBe(`  ${logLabel(0, 0)} indented\nplain\n`);
  });
});

describe("the daemontools convention by hand: 2^62 + 10 + unix, no leap table", () => {
  it("matches the constant in daemontools' tai.h and the values seen from tai64n", () => {
    expect(logLabel(0, 0)).toBe("@400000000000000a00000000");
    expect(logLabel(1483228800, 0)).toBe("@400000005868468a00000000"); // +10, not +37, in 2017
    expect(logLabel(1795609921, 308931500)).toBe("@400000006b06d54b1269ebac");
  });
});
