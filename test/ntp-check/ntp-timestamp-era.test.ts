import { describe, expect, test } from "vitest";
import fc from "fast-check";
import { ntpDiffSeconds, ntpFromUnixMs } from "../../src/jobs/ntp-check/ntp-timestamp.js";
import { ntpAt } from "./helpers/ntp-wire.js";

// RFC 5905 §6: era 1 begins 2036-02-07T06:28:16Z, POSIX 2 085 978 496 = 2^32 − 2 208 988 800.
const ERA1_UNIX_MS = (2 ** 32 - 2_208_988_800) * 1000;

describe("NTP timestamps and the 2036 era wrap", () => {
  test("the POSIX epoch is NTP second 2 208 988 800 (RFC 5905 §6)", () => {
    expect(ntpFromUnixMs(0)).toBe(2_208_988_800n << 32n);
  });

  test("2036-02-07T06:28:16Z wraps the seconds field to 0", () => {
    expect(Date.UTC(2036, 1, 7, 6, 28, 16)).toBe(ERA1_UNIX_MS);
    expect(ntpFromUnixMs(ERA1_UNIX_MS)).toBe(0n);
    expect(ntpFromUnixMs(ERA1_UNIX_MS - 1000)).toBe(0xffff_ffffn << 32n);
  });

  test("a difference across the wrap is the small true one (06:28:15 → 06:28:17 is 2 s)", () => {
    const before = 0xffff_ffffn << 32n; // 06:28:15 in era 0
    const after = 1n << 32n; // 06:28:17 in era 1
    expect(ntpDiffSeconds(after, before)).toBe(2);
    expect(ntpDiffSeconds(before, after)).toBe(-2);
  });

  test("half a second is 2^31 fraction units", () => {
    expect(ntpDiffSeconds(0x8000_0000n, 0n)).toBe(0.5);
    expect(ntpDiffSeconds(0n, 0x8000_0000n)).toBe(-0.5);
  });

  test("property: differences agree with the wall-clock difference in every era 1968–2104", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(1968, 1, 1), max: Date.UTC(2104, 0, 1) }),
        fc.integer({ min: -86_400_000 * 30, max: 86_400_000 * 30 }),
        (a, d) => {
          // the test helper's conversion is an independent implementation (nanosecond BigInt)
          const diff = ntpDiffSeconds(ntpAt(a + d), ntpAt(a));
          expect(Math.abs(diff - d / 1000)).toBeLessThan(1e-6);
          expect(Math.abs(ntpDiffSeconds(ntpFromUnixMs(a + d), ntpAt(a)) - d / 1000)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
