import type { Logger } from "pino";
import { catchUpOnce } from "./catch-up-run.js";
import { clockMovedBack, watchClockBack } from "./clock-watchdog.js";
import { FOREVER } from "../sleep/sleep-until.js";
import { ceilSeconds, instantFromMs, instantToMs, type Instant } from "../time/instant.js";
import { nextRunAfterMs, nextWake, passedSlots, slotCountText, splayOffsetMs } from "./next-wake.js";
import type { JobResult, JobStatus } from "../jobs/job.js";
import type { LoopEnv } from "./loop-env.js";
import { loopAlerts, type RunAlerts } from "./run-alerts.js";
import { NO_RETRY, shouldRetry } from "./retry-policy.js";
import { runWithRetries } from "./retry-runs.js";
import { runAttempt } from "./run-attempt.js";
import { RunRecordKeeper } from "./run-record-keeper.js";
import type { RunRecord } from "./run-state.js";
import type { ScheduledJob } from "./scheduled-job.js";
import { isoInZone } from "../schedule/iso-local.js";
import type { Zone } from "../schedule/zone.js";

/** idle: a run has just ended, its record is being written and the next wake computed */
export type LoopPhase = "starting" | "sleeping" | "running" | "idle" | "stopped";

/**
 * One job's life in the daemon: wake → run → account → repeat, until chime stops or a reload
 * retires it. Never two runs of the same job at once; a failing job never ends the loop.
 * What happened goes into the run record through run-record-keeper.ts; which runs a stopped
 * service missed is catch-up.ts's call, and catch-up-run.ts runs the one catch-up; a clock moved back is clock-watchdog.ts's.
 */
export class JobLoop {
  phase: LoopPhase = "starting";
  /** wall-clock ms of the planned next run (splay included) */
  nextRunAtMs: number | undefined;
  readonly done: Promise<void>;
  private wakeCtl = new AbortController();
  private alarmPending = false;
  /** aborted when chime stops or a reload retires this job: ends the sleep */
  private readonly endCtl = new AbortController();
  private retired = false;
  private readonly splayMs: number;
  /** a loop of the service's start that has not yet told the start gate it arrived */
  private arriving: boolean;
  /** the job's "zone" (config file), else TZ */
  private readonly zone: Zone;
  private readonly book: RunRecordKeeper;
  /** --on-failure, --on-recovery, --ping; undefined when none is set */
  private readonly alerts: RunAlerts | undefined;

  constructor(
    readonly sj: ScheduledJob,
    private readonly env: LoopEnv,
    private readonly log: Logger,
    /** carried: the record of the loop this one replaces (HUP), read once that one has ended */
    /** atStart: the service is starting (not a reload): a job that asks for it runs now, and the
     *  start gate waits for this loop to arrive */
    opts: { catchUp: boolean; atStart?: boolean; carried?: () => RunRecord; after?: Promise<void> },
  ) {
    this.book = new RunRecordKeeper(sj.tag, env.store, log);
    this.splayMs = splayOffsetMs(env.hostname, sj.tag, sj.splayMs);
    this.zone = sj.zone ?? env.zone;
    this.arriving = opts.atStart === true;
    this.alerts = loopAlerts(sj, env, log, () => this.book.record);
    // one listener for the loop's life, not AbortSignal.any() per sleep: Node 20's any() keeps
    // every composed signal alive as long as its sources, which grows memory by the run
    if (env.stop.aborted) this.endCtl.abort();
    else env.stop.addEventListener("abort", () => this.endCtl.abort(), { once: true });
    this.done = (async () => {
      await opts.after;
      try {
        await this.main(opts.catchUp, opts.atStart === true, opts.carried);
      } catch (e) {
        // a bug here must not take the other jobs down; the log says what happened
        this.log.error({ error: e instanceof Error ? e.message : String(e) }, "job loop failed; job stopped");
      } finally {
        this.arrive();
        this.phase = "stopped";
      }
    })();
  }

  /** the job's run record as the loop keeps it (status requests, the loop that replaces this one) */
  get record(): RunRecord {
    return this.book.record;
  }

  /** SIGALRM: run now. False when a run is going on already (no overlap). */
  alarm(): boolean {
    if (this.phase === "running") return false;
    this.alarmPending = true;
    this.wakeCtl.abort();
    return true;
  }

  /** Recompute the next wake (HUP without a config file). */
  reschedule(): void {
    this.wakeCtl.abort();
  }

  /** Reload removed or changed this job: stop after the current run, if any. */
  retire(): Promise<void> {
    this.retired = true;
    this.endCtl.abort();
    return this.done;
  }

  private get ended(): boolean {
    return this.env.stop.aborted || this.retired;
  }

  /** the wall clock moved back by the splay: the schedule is matched as written */
  private slotNow(): Instant {
    return instantFromMs(instantToMs(this.env.clock.now()) - this.splayMs);
  }

  private async main(catchUp: boolean, atStart: boolean, carried: (() => RunRecord) | undefined): Promise<void> {
    const { sj, env, book } = this;
    const before = await book.open(carried, { schedule: sj.schedule, offsetMs: this.splayMs }, instantToMs(env.clock.now()), this.zone);
    let prev: number | undefined = this.trustPrev(carried || catchUp ? book.handledThrough : undefined);
    const runs = book.record.runs;
    if (catchUp && before !== undefined && !this.ended) {
      prev = await catchUpOnce(
        {
          log: this.log,
          scheduleText: sj.schedule.text,
          zone: this.zone,
          splayMs: this.splayMs,
          book,
          nowMs: () => instantToMs(env.clock.now()),
          slotNow: () => this.slotNow(),
          waitUntil: (ms) => this.waitUntil(ms),
          arrive: () => this.arrive(),
          runOnce: (reason, slot, gatedAtMs) => this.runOnce(reason, slot, gatedAtMs),
          accountSkipped: (from) => this.accountSkipped(from),
        },
        before,
        prev,
      );
    }
    // at start: one run — the catch-up run if there was one, never both (issue 12 §1)
    if (atStart && (sj.atStart || sj.schedule.atStart) && book.record.runs === runs && !this.ended) {
      prev = await this.runUnscheduled("at-start", prev, instantToMs(env.clock.now()));
    }
    this.arrive(); // no start-up run

    let plannedWake: number | undefined | null = null;
    while (!this.ended) {
      prev = this.trustPrev(prev);
      let wake: number | undefined;
      try {
        wake = nextWake(sj.schedule, this.zone, prev, this.slotNow());
      } catch (e) {
        // @reboot has no slots by design: idle until stopped, ALRM still runs it
        if (!sj.schedule.atStart) {
          this.log.error({ error: e instanceof Error ? e.message : String(e) }, "no next run: schedule has no match ahead; job stopped");
          return;
        }
      }
      const runAtMs = wake === undefined ? undefined : wake * 1000 + this.splayMs;
      if (wake !== plannedWake) {
        plannedWake = wake;
        await this.announce(runAtMs);
      }
      if (!this.alarmPending) {
        this.phase = "sleeping";
        this.nextRunAtMs = runAtMs;
        this.wakeCtl = new AbortController();
        const endWatch = watchClockBack(
          prev,
          () => this.slotNow().seconds,
          () => this.wakeCtl.abort(),
        );
        const outcome = await env.sleep(runAtMs === undefined ? FOREVER : instantFromMs(runAtMs), {
          clock: env.clock,
          signal: this.endCtl.signal,
          wake: this.wakeCtl.signal,
        });
        endWatch();
        if (outcome === "aborted") break;
        if (outcome === "woken" && !this.alarmPending) continue; // reschedule
      }
      if (this.alarmPending) {
        this.alarmPending = false;
        prev = await this.runUnscheduled("alarm", prev, undefined);
        plannedWake = null; // a "next run" line follows every run, this one too
        continue;
      }
      if (wake === undefined) continue; // only a stop or an ALRM ends a sleep for ever
      prev = wake;
      await this.runOnce("schedule", wake);
      prev = this.accountSkipped(prev);
    }
  }

  /**
   * A run outside the schedule (ALRM, at start): slots from now on that pass during it count as
   * skipped, never run late. Returns the new previous wake.
   */
  private async runUnscheduled(reason: string, prev: number | undefined, gatedAtMs: number | undefined): Promise<number | undefined> {
    const before = ceilSeconds(this.slotNow()) - 1;
    const from = prev === undefined ? before : Math.max(prev, before);
    await this.runOnce(reason, undefined, gatedAtMs);
    const after = this.accountSkipped(from);
    return after !== from ? after : prev;
  }

  /** The last handled slot, unless the clock was moved back far beyond it (clock-watchdog.ts): then from now. */
  private trustPrev(prev: number | undefined): number | undefined {
    if (prev === undefined) return undefined;
    const now = this.slotNow().seconds;
    if (!clockMovedBack(prev, now)) return prev;
    this.log.warn(
      { last_slot: isoInZone(prev * 1000, this.zone), now: isoInZone(now * 1000, this.zone) },
      "the clock is more than a day behind this job's last slot (it was moved back); scheduling from now",
    );
    this.book.forgetHandled();
    return undefined;
  }

  private async announce(runAtMs: number | undefined): Promise<void> {
    this.nextRunAtMs = runAtMs;
    if (runAtMs === undefined) {
      this.log.info(
        { when: this.sj.schedule.text },
        `no next run: ${this.sj.schedule.text} runs only when the service starts (ALRM runs it now): ${this.sj.what}`,
      );
      await this.book.planNone();
      return;
    }
    const inS = Math.max(0, Math.round((runAtMs - instantToMs(this.env.clock.now())) / 1000));
    this.log.info(
      {
        at: isoInZone(runAtMs, this.zone),
        in_s: inS,
        when: this.sj.schedule.text,
        ...(this.splayMs ? { splay_s: this.splayMs / 1000 } : {}),
      },
      `next run: ${this.sj.what}`,
    );
    await this.book.plan(runAtMs, this.splayMs);
  }

  /**
   * Slots that passed during the run (or a clock jump) are skipped, not queued: one line with
   * their count. Returns the new "previous wake".
   */
  private accountSkipped(prev: number): number {
    // up to the next wake's lower bound: a slot in the second the run ended in (10:01:00 when
    // it ended at 10:01:00.3) has passed too, and nextWake will not pick it (it rounds up)
    const { count, last } = passedSlots(this.sj.schedule, this.zone, prev, ceilSeconds(this.slotNow()));
    if (last === undefined) return prev;
    this.log.warn(
      { skipped: slotCountText(count), first_after: isoInZone((prev + 1) * 1000, this.zone), last: isoInZone(last * 1000, this.zone) },
      "skipped runs: the previous run was still going or the clock jumped forward",
    );
    this.book.handle(last);
    this.book.countSkipped(count);
    return last;
  }

  /**
   * One run with its retries (--retry). `gatedAtMs`: a start-up run, which waits for a place
   * under --max-concurrent, queued by this planned time.
   */
  private async runOnce(reason: string, slot: number | undefined, gatedAtMs?: number): Promise<void> {
    this.phase = "running";
    // an ALRM run leaves the planned wake as it was; a scheduled run consumes it
    if (slot !== undefined) this.nextRunAtMs = undefined;
    if (slot !== undefined) this.book.handle(slot);
    const policy = this.sj.retry ?? NO_RETRY;
    // retries end at the job's next slot after this one (or after now, for a run outside the schedule)
    const base = slot ?? ceilSeconds(this.slotNow()) - 1;
    const slotField = slot === undefined ? {} : { slot: isoInZone(slot * 1000, this.zone) };
    let result: JobResult | undefined;
    const startMs = instantToMs(this.env.clock.now());
    this.book.runStarted();
    this.alerts?.started();
    // when an attempt's result is in the record, before it is saved: a status request (USR1)
    // right after the run's last line sees the run counted and the job idle
    const ended = (n: number, status: JobStatus, r?: JobResult) => {
      result = r;
      const last = !shouldRetry(status) || n > policy.retries;
      this.book.attemptEnded(n, last);
      if (last) this.phase = "idle";
    };
    const outcome = await runWithRetries({
      policy,
      log: this.log,
      attempt: (n) =>
        this.attempt(reason, { ...slotField, ...(policy.retries > 0 ? { attempt: n } : {}) }, gatedAtMs, (status, r) =>
          ended(n, status, r),
        ),
      nextSlotMs: () => nextRunAfterMs(this.sj.schedule, this.zone, base, this.splayMs),
      nowMs: () => instantToMs(this.env.clock.now()),
      waitUntil: (ms) => this.waitUntil(ms),
      iso: (ms) => isoInZone(ms, this.zone),
      stopping: () => this.ended,
    });
    await this.book.runEnded(outcome.attempts);
    if (this.alerts && outcome.status !== undefined) {
      const rec = this.book.record;
      this.alerts.ended(rec, {
        status: outcome.status,
        result,
        startMs: rec.lastStartMs ?? startMs,
        endMs: rec.lastEndMs ?? instantToMs(this.env.clock.now()),
      });
      await this.book.save();
    }
    this.phase = "idle";
  }

  /** One attempt (run-attempt.ts); a start-up run first waits for a place under --max-concurrent. */
  private attempt(
    reason: string,
    startFields: Record<string, string | number>,
    gatedAtMs: number | undefined,
    ended: (s: JobStatus, r?: JobResult) => void,
  ): Promise<JobStatus | undefined> {
    const run = () =>
      runAttempt({
        sj: this.sj,
        env: this.env,
        log: this.log,
        record: () => this.book.record,
        save: () => this.book.save(),
        reason,
        startFields,
        ended,
      });
    const gate = this.env.gate;
    if (gate === undefined || gatedAtMs === undefined) return run();
    const queued = gate.whenFree({ plannedMs: gatedAtMs, tag: this.sj.tag, signal: this.endCtl.signal }, run, (ahead) =>
      this.log.info(
        { ahead, max_concurrent: gate.max, planned: isoInZone(gatedAtMs, this.zone) },
        "start-up run queued: --max-concurrent runs are going on",
      ),
    );
    this.arrive(); // after joining the queue (whenFree joins it at once)
    return queued;
  }

  /** false when chime stopped or this job was retired meanwhile */
  private async waitUntil(ms: number): Promise<boolean> {
    return (await this.env.sleep(instantFromMs(ms), { clock: this.env.clock, signal: this.endCtl.signal })) !== "aborted";
  }

  private arrive(): void {
    if (!this.arriving) return;
    this.arriving = false;
    this.env.gate?.arrived();
  }
}
