/**
 * Issue 12 §1: --at-start (and @reboot) — one run when the service starts, before the first
 * slot; the catch-up run is that run when one is due (never both); never an overlap.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { advance, fakeDaemon, fakeWork, RecordingJob, scheduled, slotsOf } from "./harness.js";

const T0 = Date.parse("2026-06-01T10:00:00Z");

afterEach(() => {
  vi.useRealTimers();
});

describe("--at-start", () => {
  it("first start: one run at once (it waited for 11:00 before), then the schedule as usual", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 }); // 10:20
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("hourly", ",M=0", job, { atStart: true })]);
    await advance(45 * 60_000, 60_000); // to 11:05
    await daemon.stop("TERM");
    expect(out.text).toMatch(/run start reason=at-start/);
    expect(job.runsAtMs).toHaveLength(2);
    // the at-start run at once, then 11:00 exactly
    expect(job.runsAtMs).toEqual([T0 + 20 * 60_000, T0 + 3_600_000]);
    expect(slotsOf(out)).toEqual(["none", "2026-06-01T11:00:00Z"]);
  });

  it("a catch-up due at start is the at-start run: one run, never both", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 });
    const store = new MemoryStateStore();
    store.records.set("hourly", { job: "hourly", handledThroughMs: T0 - 3_600_000 }); // 10:00 missed
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { atStart: true })]);
    await advance(10 * 60_000, 60_000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(1);
    expect(out.text).toMatch(/run start reason=catch-up slot=2026-06-01T10:00:00Z/);
    expect(out.text).not.toMatch(/reason=at-start/);
  });

  it("--no-catch-up with missed slots: the at-start run still happens, once", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 });
    const store = new MemoryStateStore();
    store.records.set("hourly", { job: "hourly", handledThroughMs: T0 - 3_600_000 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({ store, catchUp: false });
    daemon.start([scheduled("hourly", ",M=0", job, { atStart: true })]);
    await advance(10 * 60_000, 60_000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(1);
    expect(out.text).toMatch(/run start reason=at-start/);
  });

  it("an at-start run that lasts past a slot: the slot is skipped, never run beside it", async () => {
    vi.useFakeTimers({ now: T0 - 30_000 }); // 09:59:30; the run takes 90 s, past 10:00
    const job = new RecordingJob(fakeWork(90_000));
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("hourly", ",M=0", job, { atStart: true })]);
    await advance(5 * 60_000, 1000);
    await daemon.stop("TERM");
    expect(job.maxConcurrent).toBe(1);
    expect(job.runsAtMs).toHaveLength(1);
    expect(out.text).toMatch(/skipped runs: .* skipped=1 first_after=2026-06-01T09:59:\d\dZ last=2026-06-01T10:00:00Z/);
    expect(out.text).toMatch(/next run: hourly at=2026-06-01T11:00:00Z/);
  });

  it("a reload that changes the job does not run it again (at start means the service's start)", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 });
    const job = new RecordingJob();
    let when = ",M=0";
    const { daemon } = fakeDaemon({ reload: async () => [scheduled("hourly", when, job, { atStart: true })] });
    daemon.start([scheduled("hourly", when, job, { atStart: true })]);
    await advance(5000, 1000);
    when = ",M=30";
    await daemon.reload();
    await advance(5000, 1000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(1);
  });
});

describe("@reboot", () => {
  it("runs once at start, then idles with no next run: two days later still one run, ALRM runs it again", async () => {
    vi.useFakeTimers({ now: T0 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("boot", "@reboot", job)]);
    let done = false;
    void daemon.done.then(() => (done = true));
    await advance(2 * 86_400_000, 3_600_000);
    expect(job.runsAtMs).toHaveLength(1);
    expect(done).toBe(false); // idle, not ended: the service does not exit "nothing left to do"
    expect(out.text).toMatch(/run start reason=at-start/);
    expect(out.text).toMatch(/no next run: @reboot runs only when the service starts/);
    expect(out.text).not.toMatch(/job stopped/);
    daemon.alarm();
    await advance(2000, 500);
    expect(job.runsAtMs).toHaveLength(2);
    expect(out.text).toMatch(/run start reason=alarm/);
    await daemon.stop("TERM");
    expect(done).toBe(true);
  });

  it("each start of the service runs it once more (the state of the last one does not count as a missed slot)", async () => {
    vi.useFakeTimers({ now: T0 });
    const store = new MemoryStateStore();
    const job = new RecordingJob();
    for (let i = 0; i < 3; i++) {
      const { daemon, out } = fakeDaemon({ store });
      daemon.start([scheduled("boot", "@reboot", job)]);
      await advance(3_600_000, 60_000);
      await daemon.stop("TERM");
      expect(out.text).not.toMatch(/missed runs/);
    }
    expect(job.runsAtMs).toHaveLength(3);
    expect(store.records.get("boot")?.runs).toBe(3);
  });
});
