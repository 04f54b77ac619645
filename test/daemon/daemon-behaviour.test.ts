import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { splayOffsetMs } from "../../src/daemon/next-wake.js";
import { advance, fakeDaemon, fakeWork, RecordingJob, scheduled, slotsOf } from "./harness.js";

const T0 = Date.parse("2026-06-01T10:00:00Z");

afterEach(() => {
  vi.useRealTimers();
});

describe("catch-up after downtime (DESIGN.md §4 The daemon)", () => {
  it("runs once at start when slots were missed, never a burst, then keeps the schedule", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 }); // 10:20
    const store = new MemoryStateStore();
    // last slot handled 07:00: 08:00, 09:00 and 10:00 were missed
    store.records.set("hourly", { job: "hourly", handledThroughMs: T0 - 3 * 3_600_000 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(50 * 60_000, 60_000); // to 11:10
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(2);
    expect(out.text).toMatch(/missed runs while chime was not running; catching up once missed=3/);
    expect(out.text).toMatch(/run start reason=catch-up slot=2026-06-01T10:00:00Z/);
    expect(slotsOf(out)).toEqual(["2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"]);
  });

  it("--no-catch-up: no run at start, the next slot as usual", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 });
    const store = new MemoryStateStore();
    store.records.set("hourly", { job: "hourly", handledThroughMs: T0 - 3 * 3_600_000 });
    const job = new RecordingJob();
    const { daemon } = fakeDaemon({ store, catchUp: false });
    daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(30 * 60_000, 60_000);
    expect(job.runsAtMs).toEqual([]);
    await advance(15 * 60_000, 60_000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toEqual([T0 + 3_600_000]);
  });

  it("no state (first start): nothing to catch up", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 });
    const job = new RecordingJob();
    const { daemon } = fakeDaemon();
    daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(10 * 60_000, 60_000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toEqual([]);
  });

  it("the persisted record lets a restart catch up exactly once", async () => {
    vi.useFakeTimers({ now: T0 - 30_000 });
    const store = new MemoryStateStore();
    const job = new RecordingJob();
    const first = fakeDaemon({ store });
    first.daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(60_000, 1000); // runs the 10:00 slot
    await first.daemon.stop("TERM");
    expect(store.records.get("hourly")?.handledThroughMs).toBe(T0);
    vi.setSystemTime(T0 + 2.5 * 3_600_000); // down over 11:00 and 12:00
    const second = fakeDaemon({ store });
    second.daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(60_000, 1000);
    const third = fakeDaemon({ store }); // an immediate restart after the catch-up: nothing missed
    await second.daemon.stop("TERM");
    third.daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(60_000, 1000);
    await third.daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(2);
    expect(slotsOf(second.out)).toEqual(["2026-06-01T12:00:00Z"]);
    expect(slotsOf(third.out)).toEqual([]);
  });
});

describe("a clock moved back by more than a day does not stall the job", () => {
  const DAY = 86_400_000;

  it("a persisted last slot 30 days ahead of the clock: warned about, schedule from now", async () => {
    vi.useFakeTimers({ now: T0 + 20 * 60_000 }); // 10:20
    const store = new MemoryStateStore();
    store.records.set("hourly", { job: "hourly", handledThroughMs: T0 + 30 * DAY });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(45 * 60_000, 60_000); // to 11:05
    await daemon.stop("TERM");
    expect(out.text).toMatch(
      /warn hourly the clock is more than a day behind this job's last slot \(it was moved back\); scheduling from now last_slot=2026-07-01T10:00:00Z now=2026-06-01T10:20:00Z/,
    );
    expect(job.runsAtMs).toEqual([T0 + 3_600_000]);
    expect(store.records.get("hourly")?.handledThroughMs).toBe(T0 + 3_600_000);
  });

  it("stepped back two days while sleeping: runs at the next slot of the new time, within the re-check", async () => {
    vi.useFakeTimers({ now: T0 - 500 });
    const job = new RecordingJob();
    const { daemon } = fakeDaemon();
    daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(30 * 60_000, 60_000); // 10:00 ran; now 10:29:59.5
    expect(job.runsAtMs).toEqual([T0]);
    vi.setSystemTime(Date.now() - 2 * DAY); // 2026-05-30 10:30
    await advance(32 * 60_000, 60_000);
    await daemon.stop("TERM");
    // 2026-05-30 11:00 (not 2026-06-01 11:00, two days away)
    expect(job.runsAtMs).toEqual([T0, T0 - 2 * DAY + 3_600_000]);
  });
});

describe("catch-up after the schedule was changed while chime was down", () => {
  it("a new-schedule slot since the last run is not 'missed': no catch-up, also not at the next restart", async () => {
    vi.useFakeTimers({ now: T0 + 40 * 60_000 }); // 10:40; hourly ran 10:00, then CHIME_WHEN became ,M/30
    const store = new MemoryStateStore();
    store.records.set("job", { job: "job", schedule: ",M=0", handledThroughMs: T0 });
    const job = new RecordingJob();
    const first = fakeDaemon({ store });
    first.daemon.start([scheduled("job", ",M/30", job)]);
    await advance(5 * 60_000, 60_000); // 10:45
    await first.daemon.stop("TERM");
    expect(first.out.text).toMatch(/info job schedule changed since the last run was=",M=0" when=,M\/30/);
    const second = fakeDaemon({ store }); // restarted again, the record now says ,M/30
    second.daemon.start([scheduled("job", ",M/30", job)]);
    await advance(20 * 60_000, 60_000); // to 11:05
    await second.daemon.stop("TERM");
    expect(first.out.text + second.out.text).not.toMatch(/catching up/);
    expect(job.runsAtMs).toEqual([T0 + 3_600_000]);
  });

  it("slots the old schedule missed during the downtime still get one catch-up run", async () => {
    vi.useFakeTimers({ now: T0 + 130 * 60_000 }); // 12:10; down since the 10:00 run: 11:00 and 12:00 missed
    const store = new MemoryStateStore();
    store.records.set("job", { job: "job", schedule: ",M=0", handledThroughMs: T0 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("job", ",M/30", job)]);
    await advance(25 * 60_000, 60_000); // to 12:35
    await daemon.stop("TERM");
    expect(out.text).toMatch(/catching up once missed=2 since=2026-06-01T10:00:00Z by=",M=0"/);
    expect(slotsOf(out)).toEqual(["2026-06-01T12:00:00Z", "2026-06-01T12:30:00Z"]);
    expect(job.runsAtMs).toEqual([T0 + 130 * 60_000, T0 + 150 * 60_000]);
  });
});

describe("no overlap: slots passing during a long run are skipped and logged once", () => {
  it("a 35 s run on an every-10-seconds schedule skips 3 slots, one line with the count", async () => {
    vi.useFakeTimers({ now: T0 - 500 });
    const job = new RecordingJob(fakeWork(35_000));
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("slow", ",S/10", job)]);
    await advance(45_000, 500);
    await daemon.stop("TERM");
    expect(job.maxConcurrent).toBe(1);
    // 10:00:00 runs to 10:00:35; 10, 20, 30 pass; the next run is 10:00:40
    expect(job.runsAtMs.slice(0, 2)).toEqual([T0, T0 + 40_000]);
    const skipped = out.lines.filter((l) => l.includes("skipped runs"));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/skipped=3 first_after=2026-06-01T10:00:01Z last=2026-06-01T10:00:30Z/);
  });

  it("a run ending in the middle of a second counts the slot at the start of that second as skipped", async () => {
    vi.useFakeTimers({ now: T0 - 500 });
    const job = new RecordingJob(fakeWork(1500));
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("slow", ",S/1", job)]);
    await advance(2600, 100);
    await daemon.stop("TERM");
    // 10:00:00 runs to 10:00:01.5: the 10:00:01 slot passed during it; the next run is 10:00:02
    expect(job.runsAtMs.slice(0, 2)).toEqual([T0, T0 + 2000]);
    const skipped = out.lines.filter((l) => l.includes("skipped runs"));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/skipped=1 first_after=2026-06-01T10:00:01Z last=2026-06-01T10:00:01Z/);
  });
});

describe("signals as daemon actions", () => {
  it("ALRM runs the job now and keeps the regular slot; ALRM during a run starts no second run", async () => {
    vi.useFakeTimers({ now: T0 + 10 * 60_000 });
    const job = new RecordingJob(fakeWork(5000));
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("hourly", ",M=0", job)]);
    await advance(1000);
    daemon.alarm();
    await advance(1000);
    expect(job.runsAtMs).toHaveLength(1);
    daemon.alarm(); // still running
    await advance(10_000);
    expect(job.runsAtMs).toHaveLength(1);
    expect(out.text).toMatch(/job is running already; not starting another run signal=ALRM target=hourly/);
    expect(out.text).toMatch(/run start reason=alarm/);
    await advance(50 * 60_000, 60_000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(2);
    expect(job.runsAtMs[1]).toBe(T0 + 3_600_000);
  });

  it("an ALRM run counts only slots that pass during it as skipped, not the one before it", async () => {
    vi.useFakeTimers({ now: T0 + 200 }); // 10:00:00.2: the 10:00:00 slot passed before chime started
    const quick = new RecordingJob(fakeWork(200));
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("quick", ",S/1", quick)]);
    await advance(300, 100); // 10:00:00.5
    daemon.alarm();
    await advance(1100, 100); // the alarm run ends 10:00:00.7; 10:00:01 runs as planned
    await daemon.stop("TERM");
    expect(out.lines.filter((l) => l.includes("skipped runs"))).toEqual([]);
    expect(quick.runsAtMs.slice(0, 2)).toEqual([T0 + 500, T0 + 1000]);

    vi.setSystemTime(T0 + 60_200);
    const slow = new RecordingJob(fakeWork(1000));
    const second = fakeDaemon();
    second.daemon.start([scheduled("slow", ",S/1", slow)]);
    await advance(300, 100); // 10:01:00.5
    second.daemon.alarm();
    await advance(1700, 100); // the alarm run ends 10:01:01.5: 10:01:01 passed during it
    await second.daemon.stop("TERM");
    const skipped = second.out.lines.filter((l) => l.includes("skipped runs"));
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatch(/skipped=1 first_after=2026-06-01T10:01:01Z last=2026-06-01T10:01:01Z/);
    expect(slow.runsAtMs.slice(0, 2)).toEqual([T0 + 60_500, T0 + 62_000]);
  });

  it("USR1 logs one status line per job with its state and next run", async () => {
    vi.useFakeTimers({ now: T0 + 10 * 60_000 });
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("a", ",M=0", new RecordingJob()), scheduled("b", ",H=0", new RecordingJob())]);
    await advance(1000);
    daemon.status();
    await daemon.stop("TERM");
    const status = out.lines.filter((l) => / info chime status /.test(l));
    expect(status).toHaveLength(2);
    expect(status[0]).toMatch(/status target=a state=sleeping next=2026-06-01T11:00:00Z in_s=2999 runs=0$/);
    expect(status[1]).toMatch(/status target=b state=sleeping next=2026-06-02T00:00:00Z/);
  });

  it("TERM aborts a running job and waits for it; a job ignoring the abort is given up after the grace and recorded unknown", async () => {
    vi.useFakeTimers({ now: T0 - 100 });
    const polite = new RecordingJob(fakeWork(60_000, true));
    const stubborn = new RecordingJob(fakeWork(600_000, false));
    const { daemon, out } = fakeDaemon({ graceMs: 2000 });
    daemon.start([scheduled("polite", ",M=0", polite), scheduled("stubborn", ",M=0", stubborn)]);
    await advance(1000);
    expect(polite.running + stubborn.running).toBe(2);
    const stopped = daemon.stop("TERM");
    await advance(4000);
    // the stubborn run is given up on (grace + margin), so every loop ends: a clean stop
    expect(await stopped).toBe(true);
    expect(out.text).toMatch(/stopping signal=TERM running=polite,stubborn grace=2s/);
    expect(out.text).toMatch(/error polite run critical: aborted/);
    expect(out.text).toMatch(/ error stubborn run did not stop within the grace period; no longer waiting for it reason=shutdown grace=2s/);
    expect(out.text).toMatch(/ warn stubborn run unknown: did not stop within 2s after shutdown; abandoned /);
    expect(out.text).not.toMatch(/exiting anyway/);
    expect(out.lines.at(-1)).toMatch(/ info chime stopped$/);
  });
});

describe("HUP reload", () => {
  it("keeps a running job, restarts a changed one after its run, adds and removes jobs", async () => {
    vi.useFakeTimers({ now: T0 - 100 });
    const long = new RecordingJob(fakeWork(20_000));
    const gone = new RecordingJob();
    const added = new RecordingJob();
    let config = [scheduled("long", ",M=0", long), scheduled("gone", ",M/30", gone)];
    const { daemon, out } = fakeDaemon({ reload: async () => config });
    daemon.start(config);
    await advance(1000);
    expect(long.running).toBe(1);
    config = [scheduled("long", ",M/15", long, { fingerprint: "changed" }), scheduled("added", ",S/30", added)];
    await daemon.reload();
    expect(out.text).toMatch(/configuration reloaded signal=HUP jobs=2 added=1 removed=1 changed=1 unchanged=0/);
    await advance(25_000);
    // the run that was going when HUP came finished normally
    expect(out.text).toMatch(/info long run ok: done/);
    expect(long.runsAtMs).toHaveLength(1);
    await advance(15 * 60_000, 10_000);
    await daemon.stop("TERM");
    expect(added.runsAtMs[0]).toBe(T0 + 30_000);
    expect(long.runsAtMs).toEqual([T0, T0 + 15 * 60_000]);
    expect(gone.runsAtMs).toEqual([T0]);
    expect(long.maxConcurrent).toBe(1);
  });

  it("TERM after a reload removed a running job: that run is aborted and waited for too", async () => {
    vi.useFakeTimers({ now: T0 - 100 });
    const gone = new RecordingJob(fakeWork(20_000));
    let config = [scheduled("gone", ",M=0", gone)];
    const { daemon, out } = fakeDaemon({ reload: async () => config });
    daemon.start(config);
    await advance(1000);
    expect(gone.running).toBe(1);
    config = [scheduled("other", ",H=0", new RecordingJob())];
    await daemon.reload();
    const stopped = daemon.stop("TERM");
    await advance(100);
    expect(await stopped).toBe(true);
    expect(gone.running).toBe(0);
    expect(out.text).toMatch(/stopping signal=TERM running=gone grace=5s/);
    const lines = out.lines;
    expect(lines.findIndex((l) => / error gone run critical: aborted/.test(l))).toBeLessThan(
      lines.findIndex((l) => / info chime stopped$/.test(l)),
    );
  });

  it("a config that fails to load keeps the running configuration", async () => {
    vi.useFakeTimers({ now: T0 + 1000 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon({
      reload: async () => {
        throw new Error("config file jobs.json: jobs[0].when: bad");
      },
    });
    daemon.start([scheduled("a", ",M=0", job)]);
    await daemon.reload();
    await advance(3_600_000, 60_000);
    await daemon.stop("TERM");
    expect(out.text).toMatch(
      /error chime config not reloaded, keeping the running configuration signal=HUP error="config file jobs.json: jobs\[0\].when: bad"/,
    );
    expect(job.runsAtMs).toEqual([T0 + 3_600_000]);
  });

  it("without a config file: says there is nothing to reload", async () => {
    vi.useFakeTimers({ now: T0 + 1000 });
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("a", ",M=0", new RecordingJob())]);
    await daemon.reload();
    await daemon.stop("TERM");
    expect(out.text).toMatch(/no config file, nothing to reload; rescheduling signal=HUP/);
  });
});

describe("--splay", () => {
  it("is stable per host and job, within [0, splay), and differs between jobs", () => {
    const a = splayOffsetMs("host1", "git-backup", 300_000);
    expect(splayOffsetMs("host1", "git-backup", 300_000)).toBe(a);
    const offsets = new Set(Array.from({ length: 50 }, (_, i) => splayOffsetMs(`host${i}`, "git-backup", 300_000)));
    expect(offsets.size).toBeGreaterThan(40);
    for (const o of offsets) expect(o >= 0 && o < 300_000).toBe(true);
    expect(splayOffsetMs("h", "x", 0)).toBe(0);
  });

  it("delays the run by the offset, the schedule still matched as written", async () => {
    vi.useFakeTimers({ now: T0 + 1000 });
    const job = new RecordingJob();
    const { daemon, out } = fakeDaemon();
    const offset = splayOffsetMs("test-host", "s", 600_000);
    daemon.start([scheduled("s", ",M=0", job, { splayMs: 600_000 })]);
    await advance(3_600_000 + 600_000, 60_000);
    await daemon.stop("TERM");
    // started at 10:00:01: the 10:00 slot's splayed run is still ahead, so it runs at 10:00 + offset
    expect(job.runsAtMs).toEqual([T0 + offset, T0 + 3_600_000 + offset]);
    expect(slotsOf(out)).toEqual(["2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"]);
  });
});

describe("run records never hold secrets", () => {
  it("the summary saved for chime status is redacted like the log", async () => {
    vi.useFakeTimers({ now: T0 - 100 });
    const job = {
      name: "leaky",
      run: async () => ({ status: "critical" as const, summary: "fetch https://bob:hunter2hunter2@git.example/r.git failed" }),
    };
    const store = new MemoryStateStore();
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("leaky", ",M=0", job)]);
    await advance(1000);
    await daemon.stop("TERM");
    expect(store.records.get("leaky")?.lastSummary).toBe("fetch https://bob:[redacted]@git.example/r.git failed");
    expect(out.text).not.toContain("hunter2hunter2");
  });
});
