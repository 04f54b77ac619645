import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { setLongTimeout, sleepFor } from "../../src/jobs/long-timer.js";

/** 2^31-1 ms: Node fires a longer setTimeout after 1 ms */
const NODE_TIMER_LIMIT_MS = 2147483647;
const DAYS_40 = 40 * 86_400_000;

describe("setLongTimeout: one helper for limits longer than a Node timer holds (issue 10 §6)", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("a 40-day limit fires after 40 days, not at once, and never arms a timer past Node's limit", async () => {
    const spy = vi.spyOn(globalThis, "setTimeout");
    const fn = vi.fn();
    setLongTimeout(fn, DAYS_40);
    await vi.advanceTimersByTimeAsync(NODE_TIMER_LIMIT_MS + 1);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(DAYS_40 - NODE_TIMER_LIMIT_MS - 2);
    expect(fn).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(fn).toHaveBeenCalledTimes(1);
    for (const call of spy.mock.calls) expect(Number(call[1])).toBeLessThanOrEqual(NODE_TIMER_LIMIT_MS);
  });

  it("cancelled in its second piece, it never fires", async () => {
    const fn = vi.fn();
    const cancel = setLongTimeout(fn, DAYS_40);
    await vi.advanceTimersByTimeAsync(NODE_TIMER_LIMIT_MS + 1000);
    cancel();
    await vi.advanceTimersByTimeAsync(DAYS_40);
    expect(fn).not.toHaveBeenCalled();
  });

  it("sleepFor ends at its time or at the abort, whichever is first", async () => {
    const ac = new AbortController();
    let slept = false;
    void sleepFor(DAYS_40, ac.signal).then(() => (slept = true));
    await vi.advanceTimersByTimeAsync(NODE_TIMER_LIMIT_MS + 5);
    expect(slept).toBe(false);
    ac.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(slept).toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });
});

it("Node's timer limit is written once in src/, in the long-timer module (it was in four places)", () => {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith(".ts") && /2\s*\*\*\s*31|2147483647|2147483648|0x7fffffff/i.test(readFileSync(p, "utf8"))) found.push(p);
    }
  };
  walk("src");
  expect(found).toEqual(["src/jobs/long-timer.ts"]);
});
