import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FOREVER, RECHECK_MS, sleepUntil, type SleepOutcome } from "../../src/sleep/sleep-until.js";
import { systemClock } from "../../src/sleep/clock.js";
import { instant, instantFromMs } from "../../src/time/instant.js";

const START = Date.UTC(2026, 2, 29, 0, 0, 0); // an ordinary wall-clock reading, in ms

/** Tracks a sleep's outcome without awaiting, so the test can step time around it. */
function track(p: Promise<SleepOutcome>): { outcome: () => SleepOutcome | undefined } {
  let outcome: SleepOutcome | undefined;
  void p.then((o) => (outcome = o));
  return { outcome: () => outcome };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("systemClock", () => {
  it("reads the (fake) wall clock at each call", () => {
    expect(systemClock.now()).toEqual(instantFromMs(START));
    vi.setSystemTime(START + 1500);
    expect(systemClock.now()).toEqual(instant(START / 1000 + 1, 500_000_000));
  });
});

describe("sleepUntil", () => {
  it("wakes exactly at a target a few seconds away", async () => {
    const s = track(sleepUntil(instantFromMs(START + 2500)));
    await vi.advanceTimersByTimeAsync(2499);
    expect(s.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.outcome()).toBe("due");
    expect(Date.now()).toBe(START + 2500);
  });

  it("returns due at once for a target now or in the past", async () => {
    await expect(sleepUntil(instantFromMs(START))).resolves.toBe("due");
    await expect(sleepUntil(instantFromMs(START - 86_400_000))).resolves.toBe("due");
    await expect(sleepUntil(instant(-1e12))).resolves.toBe("due");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("sleeps longer than a JS timer can (2^31-1 ms) and wakes on time", async () => {
    const days40 = 40 * 86_400_000; // > 2^31-1 ms ≈ 24.8 days
    const s = track(sleepUntil(instantFromMs(START + days40)));
    await vi.advanceTimersByTimeAsync(2 ** 31);
    expect(s.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(days40 - 2 ** 31 - 1);
    expect(s.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.outcome()).toBe("due");
  });

  it("never arms a timer longer than the re-check interval", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const s = track(sleepUntil(instantFromMs(START + 3 * 3_600_000)));
    await vi.advanceTimersByTimeAsync(3 * 3_600_000);
    expect(s.outcome()).toBe("due");
    const delays = spy.mock.calls.map((c) => c[1] ?? 0);
    expect(Math.max(...delays)).toBeLessThanOrEqual(RECHECK_MS);
    expect(RECHECK_MS).toBeLessThanOrEqual(60_000);
    spy.mockRestore();
  });

  it("notices a wall clock stepped forward past the target within one re-check", async () => {
    const s = track(sleepUntil(instantFromMs(START + 3_600_000)));
    await vi.advanceTimersByTimeAsync(1000);
    vi.setSystemTime(START + 2 * 3_600_000); // NTP step or resume from a long suspend
    await vi.advanceTimersByTimeAsync(RECHECK_MS);
    expect(s.outcome()).toBe("due");
  });

  it("keeps sleeping after the wall clock is stepped back, until the wall time arrives", async () => {
    const target = START + 10 * 60_000;
    const s = track(sleepUntil(instantFromMs(target)));
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    vi.setSystemTime(START - 3_600_000); // clock stepped back an hour
    // The monotonic 10 minutes pass: a single relative timer would fire now, but the wall
    // clock still reads an hour before the target.
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    expect(s.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(target - Date.now() - 1);
    expect(s.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.outcome()).toBe("due");
    expect(Date.now()).toBe(target);
  });

  it("honours nanoseconds in the target (rounded up to the timer's millisecond)", async () => {
    const s = track(sleepUntil(instant(START / 1000 + 1, 250_000_001)));
    await vi.advanceTimersByTimeAsync(1250);
    expect(s.outcome()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(s.outcome()).toBe("due");
  });

  it("ends early with woken when the wake signal fires", async () => {
    const wake = new AbortController();
    const s = track(sleepUntil(instantFromMs(START + 3_600_000), { wake: wake.signal }));
    await vi.advanceTimersByTimeAsync(90_000);
    expect(s.outcome()).toBeUndefined();
    wake.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outcome()).toBe("woken");
    expect(vi.getTimerCount()).toBe(0);
  });

  it("returns woken at once when the wake came before the sleep (ALRM before the sleep phase)", async () => {
    const wake = new AbortController();
    wake.abort();
    await expect(sleepUntil(instantFromMs(START + 60_000), { wake: wake.signal })).resolves.toBe("woken");
    await expect(sleepUntil(FOREVER, { wake: wake.signal })).resolves.toBe("woken");
  });

  it("is cancelled with aborted by the abort signal, which wins over wake", async () => {
    const ac = new AbortController();
    const wake = new AbortController();
    const s = track(sleepUntil(instantFromMs(START + 60_000), { signal: ac.signal, wake: wake.signal }));
    await vi.advanceTimersByTimeAsync(10);
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outcome()).toBe("aborted");
    expect(vi.getTimerCount()).toBe(0);
    wake.abort();
    await expect(sleepUntil(instantFromMs(START + 60_000), { signal: ac.signal, wake: wake.signal })).resolves.toBe("aborted");
  });

  it("FOREVER ends only by wake, and keeps a timer armed meanwhile", async () => {
    const wake = new AbortController();
    const s = track(sleepUntil(FOREVER, { wake: wake.signal }));
    await vi.advanceTimersByTimeAsync(100 * 86_400_000);
    expect(s.outcome()).toBeUndefined();
    expect(vi.getTimerCount()).toBe(1);
    wake.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(s.outcome()).toBe("woken");
  });

  it("removes its listeners, so a long-lived signal can serve many sleeps", async () => {
    const wake = new AbortController();
    const add = vi.spyOn(wake.signal, "addEventListener");
    const remove = vi.spyOn(wake.signal, "removeEventListener");
    for (let i = 1; i <= 3; i++) {
      const p = sleepUntil(instantFromMs(Date.now() + 1000), { wake: wake.signal });
      await vi.advanceTimersByTimeAsync(1000);
      await expect(p).resolves.toBe("due");
    }
    expect(add).toHaveBeenCalledTimes(3);
    expect(remove).toHaveBeenCalledTimes(3);
  });

  it("uses an injected clock", async () => {
    let fake = instant(1000);
    const clock = { now: () => fake };
    const s = track(sleepUntil(instant(1010), { clock }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.outcome()).toBeUndefined(); // the injected clock has not moved
    fake = instant(1010);
    await vi.advanceTimersByTimeAsync(RECHECK_MS);
    expect(s.outcome()).toBe("due");
  });
});
