import { afterEach, describe, expect, it, vi } from "vitest";
import { advance, fakeDaemon, RecordingJob, scheduled, slotsOf } from "./harness.js";

/**
 * Seven simulated days of an hourly job (`,M=0`) in Europe/Berlin across a DST change, on fake
 * timers with the real sleepUntil, including wall-clock steps of +1 h and -1 h in the middle.
 *
 * Expected runs, by hand from the DST rules (DESIGN.md §4): `,M=0` leaves the hour free, so
 * every absolute hour matches — the nonexistent 02:00 of the spring-forward day is moved
 * forward by the gap onto 03:00 CEST (one run, not two), and both 02:00s of the fall-back day
 * run. Berlin's offsets are whole hours, so the matches are exactly the UTC hour boundaries.
 * - Spring: Mon 2026-03-23 00:00:30 CET (2026-03-22T23:00:30Z) to
 *   Mon 2026-03-30 00:00:30 CEST (2026-03-29T22:00:30Z): the local week has 7×24−1 = 167 hours,
 *   so 167 hour boundaries lie in between: 23:00Z+1h … 22:00Z.
 * - Autumn: Mon 2026-10-19 00:00:30 CEST (2026-10-18T22:00:30Z) to Mon 2026-10-26 00:00:30 CET
 *   (2026-10-25T23:00:30Z): 7×24+1 = 169 hours, 169 runs.
 * A forward step (10:30 → 11:30) runs the 11:00 slot late, once; a backward step (15:30 →
 * 14:30) must not run 15:00 again. So every slot still runs exactly once.
 */
const H = 3_600_000;

function expectedSlots(startMs: number, endMs: number): string[] {
  const out: string[] = [];
  for (let t = Math.ceil(startMs / H) * H; t <= endMs; t += H) out.push(new Date(t).toISOString());
  return out;
}

async function soak(startIso: string, endIso: string, steps: Array<[string, number]>) {
  const startMs = Date.parse(startIso);
  const endMs = Date.parse(endIso);
  vi.useFakeTimers({ now: startMs });
  const job = new RecordingJob();
  const { daemon, out } = fakeDaemon({ zone: "Europe/Berlin" });
  daemon.start([scheduled("hourly", ",M=0", job)]);
  const pending = [...steps].map(([at, delta]) => [Date.parse(at), delta] as const);
  while (Date.now() < endMs) {
    await advance(60_000, 60_000);
    const step = pending[0];
    if (step && Date.now() >= step[0]) {
      pending.shift();
      vi.setSystemTime(Date.now() + step[1]);
    }
  }
  await daemon.stop("TERM");
  vi.useRealTimers();
  // slots as UTC instants: the log prints them in Berlin time with the offset
  const slots = slotsOf(out).map((s) => new Date(Date.parse(s)).toISOString());
  return { job, slots, out, startMs, endMs };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("7-day fake-clock soak of an hourly job in Europe/Berlin", () => {
  it("spring forward week: exactly 167 runs, one per hour, wall steps of +1 h and -1 h included", async () => {
    const { job, slots, startMs, endMs } = await soak("2026-03-22T23:00:30Z", "2026-03-29T22:00:30Z", [
      ["2026-03-25T09:30:00Z", +H], // Wed 10:30 CET → 11:30
      ["2026-03-26T14:30:00Z", -H], // Thu 15:30 CET → 14:30
    ]);
    expect(slots).toHaveLength(167);
    expect(job.runsAtMs).toHaveLength(167);
    expect(new Set(slots).size).toBe(167);
    expect(slots).toEqual(expectedSlots(startMs, endMs));
    expect(job.maxConcurrent).toBe(1);
    // Sunday 2026-03-29 (local) has 23 hours: 23 runs that day
    const sunday = slots.filter((s) => s >= "2026-03-28T23:00:00.000Z" && s < "2026-03-29T22:00:00.000Z");
    expect(sunday).toHaveLength(23);
    // the slot after the forward step ran late (at the stepped wall clock), not skipped
    const late = job.runsAtMs.find((t) => Math.abs(t - Date.parse("2026-03-25T10:30:00Z")) < 61_000);
    expect(late).toBeDefined();
  });

  it("fall back week: exactly 169 runs, both 02:00s of the long Sunday", async () => {
    const { job, slots, out, startMs, endMs } = await soak("2026-10-18T22:00:30Z", "2026-10-25T23:00:30Z", [
      ["2026-10-21T08:30:00Z", +H],
      ["2026-10-22T13:30:00Z", -H],
    ]);
    expect(slots).toHaveLength(169);
    expect(job.runsAtMs).toHaveLength(169);
    expect(slots).toEqual(expectedSlots(startMs, endMs));
    const twoAm = out.lines.filter((l) => / run start .*slot=2026-10-25T02:00:00[+]0[12]:00/.test(l));
    expect(twoAm.map((l) => /\+0[12]:00/.exec(l)![0])).toEqual(["+02:00", "+01:00"]);
    expect(job.maxConcurrent).toBe(1);
    // no run more than the 60 s re-check late, except the one slot overtaken by the forward step
    const lateRuns = job.runsAtMs.filter((t, i) => t - Date.parse(slots[i]!) > 61_000);
    expect(lateRuns).toHaveLength(1);
  });
});
