// Print mode of every rw-* program, run as real processes from dist/bin (the build runs first).
// Expected stamps come from the reference examples and from an independent oracle (the published
// leap-second list, GNU date), never from our own output.
import { describe, expect, it } from "vitest";
import { runBin } from "./run-bin.js";
import { dateToUnix, stampHex, unixOfStamp } from "./tai-oracle.js";

const STAMP_LINE = /^[0-9a-f]{24}\n$/;

function printed(name: string, args: string[], env: Record<string, string> = {}): string {
  const r = runBin(name, args, env);
  expect(r.stderr).toBe("");
  expect(r.status).toBe(0);
  expect(r.stdout).toMatch(STAMP_LINE); // 24 lowercase hex digits, a newline, no "@"
  return r.stdout.trim();
}

describe("rw-add / rw-sub: skalibs tain arithmetic", () => {
  it("adds durations (reference: rw-add d1H d30M = 0x1518 s)", () => {
    expect(printed("rw-add", ["d1H", "d30M"])).toBe("000000000000151800000000");
    expect(printed("rw-add", ["d1d", "d0S"])).toBe("000000000001518000000000");
    expect(printed("rw-add", ["d1W", "d0S"])).toBe("0000000000093a8000000000");
  });

  it("subtracts two absolute stamps into a duration (reference: 1800 s)", () => {
    expect(printed("rw-sub", ["@4000000067e89ebd00000000", "@4000000067e897b500000000"])).toBe("000000000000070800000000");
  });

  it("carries and borrows nanoseconds", () => {
    expect(printed("rw-add", ["@4000000067e89ebd3b9ac9ff", "@000000000000000000000001"])).toBe("4000000067e89ebe00000000");
    expect(printed("rw-sub", ["@4000000067e89ebd00000000", "@000000000000000000000001"])).toBe("4000000067e89ebc3b9ac9ff");
  });

  it("wraps modulo 2^64 like the C original (no negative results)", () => {
    expect(printed("rw-sub", ["d1S", "d2S"])).toBe("ffffffffffffffff00000000");
    expect(printed("rw-add", ["@ffffffffffffffff00000000", "d2S"])).toBe("000000000000000100000000");
  });

  it("accepts upper-case hex and prints lower case", () => {
    expect(printed("rw-add", ["@4000000067E89EBD00000000", "d0S"])).toBe("4000000067e89ebd00000000");
  });
});

describe("stamp forms against the oracle", () => {
  it("n is now in real TAI (unix + 37 s since 2017), with sub-second precision", () => {
    const before = Date.now() / 1000;
    const hex = printed("rw-add", ["n", "d0S"]);
    const after = Date.now() / 1000;
    const { unix, nanos } = unixOfStamp(hex);
    expect(unix + nanos / 1e9).toBeGreaterThanOrEqual(Math.floor(before));
    expect(unix + nanos / 1e9).toBeLessThanOrEqual(after + 0.001);
    expect(BigInt("0x" + hex.slice(0, 16)) - (1n << 62n) - BigInt(unix)).toBe(37n);
  });

  it("tN converts a system-clock second like n would (skalibs-verified vectors)", () => {
    expect(printed("rw-add", ["t1483228800", "d0S"])).toBe("40000000586846a500000000");
    expect(printed("rw-add", ["t0", "d0S"])).toBe("400000000000000a00000000");
    for (const unix of [78796799, 78796800, 1136073599, 1136073600, 1800000000]) {
      expect(printed("rw-add", [`t${unix}`, "d0S"])).toBe(stampHex(unix));
    }
  });

  it("iISO honours the offset (GNU date as the oracle)", () => {
    for (const iso of ["2025-03-30T03:00:00+0200", "2003-10-31T13:37:14-0500", "2026-11-25T12:00:00+0545"]) {
      const unix = dateToUnix(iso.replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
      expect(printed("rw-add", [`i${iso}`, "d0S"])).toBe(stampHex(unix));
    }
  });

  it("$VAR reads 24 hex digits from the environment", () => {
    expect(printed("rw-add", ["$WHEN", "d1S"], { WHEN: "4000000067e89ebd00000000" })).toBe("4000000067e89ebe00000000");
  });
});

describe("rw-min / rw-max", () => {
  const early = "4000000067e897b500000000";
  const late = "4000000067e89ebd00000001";
  it("pick the earlier / later stamp in either order, nanoseconds included", () => {
    expect(printed("rw-min", [`@${early}`, `@${late}`])).toBe(early);
    expect(printed("rw-min", [`@${late}`, `@${early}`])).toBe(early);
    expect(printed("rw-max", [`@${early}`, `@${late}`])).toBe(late);
    expect(printed("rw-max", [`@${late}`, `@${early}`])).toBe(late);
    expect(printed("rw-max", ["@4000000067e89ebd00000000", `@${late}`])).toBe(late);
  });
  it("rw-max n with a past stamp is now", () => {
    const { unix } = unixOfStamp(printed("rw-max", ["n", `@${early}`]));
    expect(Math.abs(unix - Date.now() / 1000)).toBeLessThan(5);
  });
});

describe("rw-match", () => {
  it("finds the next whole hour in UTC (date as the oracle)", () => {
    const from = dateToUnix("2026-01-01T10:07:30Z");
    const hex = printed("rw-match", [`@${stampHex(from)}`, ",M=0"], { TZ: "UTC" });
    expect(hex).toBe(stampHex(dateToUnix("2026-01-01T11:00:00Z")));
  });
  it("is at or after: an input that matches is its own result", () => {
    const from = stampHex(dateToUnix("2026-01-01T11:00:00Z"));
    expect(printed("rw-match", [`@${from}`, ",M=0"], { TZ: "UTC" })).toBe(from);
  });
  it("uses the local zone from TZ (reference example 1, Europe/Berlin)", () => {
    expect(printed("rw-match", ["i2025-03-29T23:10:00+0100", ",M=00"], { TZ: "Europe/Berlin" })).toBe("4000000067e87b9500000000");
  });
  it("every second: the empty constraint string returns the input's whole second", () => {
    const from = stampHex(dateToUnix("2026-01-01T11:00:00Z"));
    expect(printed("rw-match", [`@${from}`, ""], { TZ: "UTC" })).toBe(from);
  });
});
