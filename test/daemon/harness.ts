import { vi } from "vitest";
import { Daemon, type DaemonOptions } from "../../src/daemon/daemon.js";
import { MemoryStateStore } from "../support/memory-state-store.js";
import type { ScheduledJob } from "../../src/daemon/scheduled-job.js";
import type { Job, JobContext, JobResult } from "../../src/jobs/job.js";
import { createLog } from "../../src/log/logger.js";
import { parseSchedule } from "../../src/schedule/schedule.js";
import { systemClock } from "../../src/sleep/clock.js";
import { sleepUntil } from "../../src/sleep/sleep-until.js";
import { instantToMs } from "../../src/time/instant.js";
import { Capture } from "../log/capture.js";
import { tz } from "../zones.js";

/** A job that records when it ran; `work` may take (fake) time or ignore its abort. */
export class RecordingJob implements Job {
  readonly name = "recording";
  runsAtMs: number[] = [];
  running = 0;
  maxConcurrent = 0;
  constructor(private readonly work?: (ctx: JobContext) => Promise<void>) {}
  async run(ctx: JobContext): Promise<JobResult> {
    this.runsAtMs.push(instantToMs(ctx.now()));
    this.running++;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    try {
      await this.work?.(ctx);
      return { status: ctx.signal.aborted ? "critical" : "ok", summary: ctx.signal.aborted ? "aborted" : "done" };
    } finally {
      this.running--;
    }
  }
}

export function scheduled(tag: string, when: string, job: Job, extra: Partial<ScheduledJob> = {}): ScheduledJob {
  return { tag, job, schedule: parseSchedule(when), what: tag, splayMs: 0, fingerprint: `${tag} ${when}`, ...extra };
}

/** A daemon on vitest's fake timers: the real sleepUntil and systemClock, driven by vi. */
export function fakeDaemon(opts: Partial<DaemonOptions> & { zone?: string; store?: MemoryStateStore } = {}) {
  const out = new Capture();
  const chimeLog = createLog({ out });
  const store = opts.store ?? new MemoryStateStore();
  const daemon = new Daemon(
    { clock: systemClock, sleep: sleepUntil, zone: tz(opts.zone ?? "UTC"), hostname: "test-host", store, environment: process.env },
    chimeLog,
    { catchUp: opts.catchUp ?? true, graceMs: opts.graceMs ?? 5000, reload: opts.reload, maxConcurrent: opts.maxConcurrent },
  );
  return { daemon, out, store };
}

/** Lets fake time pass in steps (sleepUntil re-checks the wall clock at least every 60 s). */
export async function advance(ms: number, stepMs = 1000): Promise<void> {
  for (let left = ms; left > 0; left -= stepMs) await vi.advanceTimersByTimeAsync(Math.min(stepMs, left));
}

/** fake-time sleep for a job's work that honours (or ignores) the abort signal */
export function fakeWork(ms: number, honourAbort = true): (ctx: JobContext) => Promise<void> {
  return (ctx) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      if (honourAbort)
        ctx.signal.addEventListener(
          "abort",
          () => {
            clearTimeout(t);
            resolve();
          },
          { once: true },
        );
    });
}

/** the `slot=` of every "run start" line */
export function slotsOf(out: Capture): string[] {
  return out.lines.filter((l) => / run start /.test(l)).map((l) => /slot=(\S+)/.exec(l)?.[1] ?? "none");
}
