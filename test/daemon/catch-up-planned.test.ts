/**
 * Issue 9 §4: missed runs are counted against what the stopped service had planned (the
 * persisted planned wake and splay offset), never recomputed with the new settings; a splay
 * at least as long as the schedule's interval is refused. And §9: a "next run" line follows
 * every run, one started by ALRM too.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "../../src/daemon/build-job.js";
import { requireSplayShorterThanInterval, shortestInterval, splayOffsetMs } from "../../src/daemon/next-wake.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { advance, fakeDaemon, RecordingJob, scheduled, slotsOf } from "./harness.js";
import { tz } from "../zones.js";

const T0 = Date.parse("2026-06-01T10:00:00Z");

afterEach(() => {
  vi.useRealTimers();
});

/** a tag whose splay offset (for the harness's host "test-host") lies in [minMs, maxMs) */
function tagWithOffset(splayMs: number, minMs: number, maxMs: number): string {
  for (let i = 0; i < 10_000; i++) {
    const o = splayOffsetMs("test-host", `job${i}`, splayMs);
    if (o >= minMs && o < maxMs) return `job${i}`;
  }
  throw new Error("no such tag");
}

describe("a restart with other settings is not a missed run", () => {
  it("splay 30 s → none, restarted 0.5 s later: no catch-up (the issue's two commands, on a fake clock)", async () => {
    const tag = tagWithOffset(30_000, 20_000, 25_000);
    const offset = splayOffsetMs("test-host", tag, 30_000);
    vi.useFakeTimers({ now: T0 });
    const store = new MemoryStateStore();
    const job = new RecordingJob();
    const first = fakeDaemon({ store });
    first.daemon.start([scheduled(tag, ",S/5", job, { splayMs: 30_000 })]);
    await advance(40_000, 500); // `timeout 40 chime --when ,S/5 --splay 30s …`
    await first.daemon.stop("TERM");
    expect(job.runsAtMs.length).toBeGreaterThan(2);
    // every run so far was at a slot plus the offset
    for (const at of job.runsAtMs) expect((at - offset) % 5000).toBe(0);
    await advance(500, 500); // down for 0.5 s
    const second = fakeDaemon({ store });
    const runsBefore = job.runsAtMs.length;
    second.daemon.start([scheduled(tag, ",S/5", job)]); // `timeout 3 chime --when ,S/5 …`
    await advance(3000, 250);
    await second.daemon.stop("TERM");
    expect(second.out.text).not.toMatch(/missed runs/);
    expect(second.out.text).not.toMatch(/reason=catch-up/);
    // the runs it made are the new plan's own slots (no splay: on the 5 s grid)
    for (const at of job.runsAtMs.slice(runsBefore)) expect(at % 5000).toBe(0);
  });

  it("splay none → 30 s: no catch-up and no slot run twice", async () => {
    const tag = tagWithOffset(30_000, 20_000, 25_000);
    vi.useFakeTimers({ now: T0 });
    const store = new MemoryStateStore();
    const job = new RecordingJob();
    const first = fakeDaemon({ store });
    first.daemon.start([scheduled(tag, ",S/5", job)]);
    await advance(12_000, 250);
    await first.daemon.stop("TERM");
    const second = fakeDaemon({ store });
    second.daemon.start([scheduled(tag, ",S/5", job, { splayMs: 30_000 })]);
    await advance(40_000, 250);
    await second.daemon.stop("TERM");
    expect(second.out.text).not.toMatch(/missed runs/);
    const slots = [...slotsOf(first.out), ...slotsOf(second.out)];
    expect(new Set(slots).size).toBe(slots.length);
  });

  it("a schedule edited while down: only the old plan's due runs count (none here)", async () => {
    vi.useFakeTimers({ now: T0 + 30 * 60_000 }); // 10:30
    const store = new MemoryStateStore();
    const job = new RecordingJob();
    const first = fakeDaemon({ store });
    first.daemon.start([scheduled("j", ",M=0", job)]); // plans 11:00
    await advance(1000, 1000);
    await first.daemon.stop("TERM");
    vi.setSystemTime(T0 + 50 * 60_000); // 10:50: new schedule ,M/15 had 10:45 "pass"
    const second = fakeDaemon({ store });
    second.daemon.start([scheduled("j", ",M/15", job)]);
    await advance(1000, 1000);
    await second.daemon.stop("TERM");
    expect(second.out.text).toMatch(/schedule changed since the last run was=",M=0" when=,M\/15/);
    expect(second.out.text).not.toMatch(/missed runs/);
    expect(job.runsAtMs).toEqual([]);
  });

  it("a planned run that really passed while down is caught up once, counted in the old plan's terms", async () => {
    const tag = tagWithOffset(60_000, 30_000, 40_000);
    const offset = splayOffsetMs("test-host", tag, 60_000);
    vi.useFakeTimers({ now: T0 + 5 * 60_000 }); // 10:05
    const store = new MemoryStateStore();
    const job = new RecordingJob();
    const first = fakeDaemon({ store });
    first.daemon.start([scheduled(tag, ",M/10", job, { splayMs: 60_000 })]); // plans 10:10 + offset
    await advance(1000, 1000);
    await first.daemon.stop("TERM");
    expect(store.records.get(tag)).toMatchObject({ plannedSlotMs: T0 + 10 * 60_000, splayOffsetMs: offset });
    vi.setSystemTime(T0 + 21 * 60_000); // 10:21: 10:10+offset and 10:20+offset have passed
    const second = fakeDaemon({ store });
    second.daemon.start([scheduled(tag, ",M/10", job)]); // splay removed meanwhile
    await advance(1000, 1000);
    await second.daemon.stop("TERM");
    expect(second.out.text).toMatch(/missed runs while chime was not running; catching up once missed=2 /);
    expect(job.runsAtMs).toHaveLength(1);
  });
});

describe("a splay at least as long as the schedule's interval is refused", () => {
  it("shortestInterval: ,M/1 → 60 s, ,M=0 → 3600 s, cron weekdays 9:00 → one day", () => {
    const from = T0 / 1000;
    expect(shortestInterval(parseSchedule(",M/1"), tz("UTC"), from)).toBe(60);
    expect(shortestInterval(parseSchedule(",M=0"), tz("UTC"), from)).toBe(3600);
    expect(shortestInterval(parseSchedule("0 9 * * 1-5"), tz("UTC"), from)).toBe(86_400);
  });

  it("10m splay with ,M/1 (the issue's template case): a configuration error naming both settings", () => {
    const job = scheduled("g", ",M/1", new RecordingJob(), {
      splayMs: 600_000,
      splaySource: "CHIME_SPLAY (environment)",
      whenSource: "--when",
    });
    const now = { seconds: T0 / 1000, nanos: 0 };
    expect(() => requireSplayShorterThanInterval([job], tz("UTC"), now)).toThrow(ConfigError);
    expect(() => requireSplayShorterThanInterval([job], tz("UTC"), now)).toThrow(
      'CHIME_SPLAY (environment): not shorter than the 60s between runs of ",M/1": each run would start after later slots were due (--when): "10m"',
    );
    // exactly the interval is refused too; just under it is fine
    expect(() => requireSplayShorterThanInterval([{ ...job, splayMs: 60_000 }], tz("UTC"), now)).toThrow(ConfigError);
    expect(() => requireSplayShorterThanInterval([{ ...job, splayMs: 59_999 }], tz("UTC"), now)).not.toThrow();
  });
});

describe("a next-run line follows every run", () => {
  it("after a run started by ALRM too", async () => {
    vi.useFakeTimers({ now: T0 + 60_000 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("j", ",M=0", job)]);
    await advance(1000, 1000);
    const planned = out.lines.filter((l) => / next run: /.test(l)).length;
    expect(planned).toBe(1);
    daemon.alarm();
    await advance(2000, 500);
    expect(job.runsAtMs).toHaveLength(1);
    const after = out.lines.slice(out.lines.findIndex((l) => / run ok: /.test(l)));
    expect(after.some((l) => / next run: j at=2026-06-01T11:00:00Z /.test(l))).toBe(true);
    await daemon.stop("TERM");
  });
});
