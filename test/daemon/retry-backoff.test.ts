/**
 * Issue 12 §2: --retry N / --retry-delay D — a critical or unknown run is retried up to N
 * times, exponentially later (jittered, capped); each attempt is logged with its number; the
 * next slot wins; TERM ends the retries; the run record counts the attempts.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Job, JobContext, JobResult, JobStatus } from "../../src/jobs/job.js";
import { RETRY_DELAY_CAP_MS, retryDelayMs, shouldRetry } from "../../src/daemon/retry-policy.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import { instantToMs } from "../../src/time/instant.js";
import { advance, fakeDaemon, scheduled } from "./harness.js";

const T0 = Date.parse("2026-06-01T10:00:00Z");
/** the largest value Math.random returns */
const MAX_RANDOM = 1 - 2 ** -53;

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

/** returns the given statuses in turn (the last one for ever); `throws` for an exception */
class ScriptedJob implements Job {
  readonly name = "scripted";
  runsAtMs: number[] = [];
  constructor(private readonly statuses: readonly (JobStatus | "throws")[]) {}
  async run(ctx: JobContext): Promise<JobResult> {
    this.runsAtMs.push(instantToMs(ctx.now()));
    const s = this.statuses[Math.min(this.runsAtMs.length - 1, this.statuses.length - 1)]!;
    if (s === "throws") throw new Error("connection refused");
    return { status: s, summary: s };
  }
}

const attemptsOf = (text: string) => [...text.matchAll(/ run start .*attempt=(\d+)/g)].map((m) => Number(m[1]));

describe("which statuses are retried", () => {
  it("critical and unknown are; ok and warning are not", () => {
    expect(shouldRetry("critical")).toBe(true);
    expect(shouldRetry("unknown")).toBe(true);
    expect(shouldRetry("ok")).toBe(false);
    expect(shouldRetry("warning")).toBe(false);
  });
});

describe("the back-off", () => {
  it("doubles from --retry-delay, jittered into [half, all] of it, and never beyond the 1 h cap", () => {
    const p = { retries: 30, delayMs: 10_000 };
    // attempt 2 is the first retry: 10 s; attempt 3: 20 s; attempt 4: 40 s
    expect(retryDelayMs(p, 2, MAX_RANDOM)).toBe(10_000);
    expect(retryDelayMs(p, 3, MAX_RANDOM)).toBe(20_000);
    expect(retryDelayMs(p, 4, 0)).toBe(20_000);
    expect(RETRY_DELAY_CAP_MS).toBe(3_600_000);
    expect(retryDelayMs(p, 30, MAX_RANDOM)).toBe(3_600_000);
    expect(retryDelayMs(p, 30, 0)).toBe(1_800_000);
  });
});

describe("a failing scheduled run", () => {
  it("critical, critical, ok with --retry 3 --retry-delay 10s: three attempts 10 s and 20 s apart, numbered, one run counted", async () => {
    vi.spyOn(Math, "random").mockReturnValue(MAX_RANDOM); // no jitter: the full doubling
    vi.useFakeTimers({ now: T0 - 5000 });
    const store = new MemoryStateStore();
    const job = new ScriptedJob(["critical", "critical", "ok"]);
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { retry: { retries: 3, delayMs: 10_000 } })]);
    await advance(5 * 60_000, 1000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toEqual([T0, T0 + 10_000, T0 + 30_000]);
    expect(attemptsOf(out.text)).toEqual([1, 2, 3]);
    expect(out.text).toMatch(/run critical; retrying attempt=2 of=4 at=2026-06-01T10:00:10Z in_s=10/);
    expect(out.text).toMatch(/run critical; retrying attempt=3 of=4 at=2026-06-01T10:00:30Z in_s=20/);
    expect(store.records.get("hourly")).toMatchObject({ runs: 1, lastAttempts: 3, lastStatus: "ok" });
  });

  it("a job that throws (unknown) is retried; after N retries it stops and says so", async () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    vi.useFakeTimers({ now: T0 - 5000 });
    const store = new MemoryStateStore();
    const job = new ScriptedJob(["throws"]);
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { retry: { retries: 2, delayMs: 10_000 } })]);
    await advance(5 * 60_000, 1000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toHaveLength(3);
    expect(out.text).toMatch(/run unknown after 3 attempts; no more retries/);
    expect(store.records.get("hourly")).toMatchObject({ runs: 1, lastAttempts: 3, lastStatus: "unknown" });
  });

  it("warning is not retried", async () => {
    vi.useFakeTimers({ now: T0 - 5000 });
    const store = new MemoryStateStore();
    const job = new ScriptedJob(["warning"]);
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { retry: { retries: 3, delayMs: 1000 } })]);
    await advance(5 * 60_000, 1000);
    await daemon.stop("TERM");
    expect(job.runsAtMs).toEqual([T0]);
    expect(out.text).not.toMatch(/retrying/);
    expect(store.records.get("hourly")).toMatchObject({ lastAttempts: 1 });
  });

  it("the next slot wins: every minute, retries from 20 s: 10:00:00, 10:00:20, then no retry at 10:01:00 but the slot", async () => {
    vi.spyOn(Math, "random").mockReturnValue(MAX_RANDOM);
    vi.useFakeTimers({ now: T0 - 5000 });
    const job = new ScriptedJob(["critical"]);
    const { daemon, out } = fakeDaemon();
    daemon.start([scheduled("minutely", ",M/1", job, { retry: { retries: 5, delayMs: 20_000 } })]);
    await advance(70_000, 1000); // to 10:01:05
    await daemon.stop("TERM");
    expect(job.runsAtMs).toEqual([T0, T0 + 20_000, T0 + 60_000]);
    expect(out.text).toMatch(
      /no more retries: the next scheduled run comes first attempts=2 status=critical retry_at=2026-06-01T10:01:00Z next_run=2026-06-01T10:01:00Z/,
    );
    expect(out.text).toMatch(/run start reason=schedule slot=2026-06-01T10:01:00Z attempt=1/);
    expect(out.text).not.toMatch(/skipped runs/);
  });

  it("TERM during the wait for a retry: stop() returns, no further attempt", async () => {
    vi.useFakeTimers({ now: T0 - 5000 });
    const store = new MemoryStateStore();
    const job = new ScriptedJob(["critical"]);
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { retry: { retries: 3, delayMs: 60_000 } })]);
    await advance(15_000, 1000); // the first attempt at 10:00:00; the retry is 30-60 s later
    expect(job.runsAtMs).toEqual([T0]);
    expect(await daemon.stop("TERM")).toBe(true);
    await advance(10 * 60_000, 60_000);
    expect(job.runsAtMs).toEqual([T0]);
    expect(out.text).toMatch(/no more retries: the job is stopping/);
    expect(store.records.get("hourly")).toMatchObject({ runs: 1, lastAttempts: 1 });
  });
});

describe("TERM during an attempt", () => {
  it("the aborted attempt ends critical and is not retried", async () => {
    vi.useFakeTimers({ now: T0 - 5000 });
    const store = new MemoryStateStore();
    let runs = 0;
    const job: Job = {
      name: "slow",
      run: (ctx) =>
        new Promise<JobResult>((resolve) => {
          runs++;
          ctx.signal.addEventListener("abort", () => resolve({ status: "critical", summary: "aborted" }), { once: true });
        }),
    };
    const { daemon, out } = fakeDaemon({ store });
    daemon.start([scheduled("hourly", ",M=0", job, { retry: { retries: 3, delayMs: 1000 } })]);
    await advance(10_000, 1000);
    expect(runs).toBe(1);
    expect(await daemon.stop("TERM")).toBe(true);
    await advance(60_000, 1000);
    expect(runs).toBe(1);
    expect(out.text).not.toMatch(/retrying/);
    expect(out.text).toMatch(/no more retries: the job is stopping/);
  });
});
