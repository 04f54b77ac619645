import { describe, expect, test } from "vitest";
import { steppedWallClock, type TimeSources } from "../../src/jobs/ntp-check/query-server.js";
import { ntpAt } from "./helpers/ntp-wire.js";

/**
 * A pretend host: a monotonic clock that advances a microsecond per reading, and a wall clock
 * that is "true time" truncated to whole ms (as Date.now is) and can be stepped.
 */
function host(startUnixMs: number): TimeSources & { step(ms: number): void; trueMs(): number; advance(ms: number): void } {
  let mono = 1000;
  let wallMinusMono = startUnixMs - mono;
  const tick = (): number => (mono += 0.001);
  return {
    monoMs: () => tick(),
    wallMs: () => Math.floor(tick() + wallMinusMono),
    anchorMs: wallMinusMono,
    step(ms) {
      wallMinusMono += ms;
    },
    advance(ms) {
      mono += ms;
    },
    trueMs: () => mono + wallMinusMono,
  };
}

const secondsBetween = (a: bigint, b: bigint): number => Number(BigInt.asIntN(64, a - b)) / 2 ** 32;

describe("the wall clock under T1 and T4", () => {
  test("without a step it reads the true time to well under a millisecond", () => {
    const h = host(Date.UTC(2026, 10, 25, 12, 0, 0, 0) + 0.25);
    const clock = steppedWallClock(h);
    h.advance(86_400_000);
    const expected = ntpAt(h.trueMs());
    expect(Math.abs(secondsBetween(clock(), expected))).toBeLessThan(0.0001);
  });

  test("after the system clock is stepped by −985 ms (the incident's fix) it follows the step", () => {
    const h = host(Date.UTC(2026, 10, 25, 12, 0, 0, 0) + 0.4);
    const clock = steppedWallClock(h);
    clock();
    h.advance(60_000);
    h.step(-985);
    const expected = ntpAt(h.trueMs());
    // Anchored once for ever, it would still be 985 ms ahead of the stepped clock.
    expect(Math.abs(secondsBetween(clock(), expected))).toBeLessThan(0.0001);
  });

  test("a step of +3 s forward is followed too, and T4 − T1 stays the true interval", () => {
    const h = host(Date.UTC(2030, 0, 1) + 0.9);
    const clock = steppedWallClock(h);
    h.step(3000);
    const t1 = clock();
    h.advance(5);
    const t4 = clock();
    // 5 ms passed, plus at most the 1 ms spent waiting for the wall clock to tick once
    expect(secondsBetween(t4, t1)).toBeGreaterThanOrEqual(0.005);
    expect(secondsBetween(t4, t1)).toBeLessThan(0.0061);
    expect(Math.abs(secondsBetween(t4, ntpAt(h.trueMs())))).toBeLessThan(0.0001);
  });
});
