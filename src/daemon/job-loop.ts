import type { Logger } from "pino";
import { redactText } from "../log/redact.js";
import { missedRuns, previousPlan, type PreviousPlan } from "./catch-up.js";
import type { Clock } from "../sleep/clock.js";
import { RECHECK_MS, type sleepUntil } from "../sleep/sleep-until.js";
import { ceilSeconds, instantFromMs, instantToMs, type Instant } from "../time/instant.js";
import { MAX_COUNTED_SLOTS, nextWake, passedSlots, splayOffsetMs } from "./next-wake.js";
import { recordGroups } from "./run-groups.js";
import { runJob } from "./run-job.js";
import { fsErrorFields, type RunRecord, type StateStore } from "./run-state.js";
import type { ScheduledJob } from "./scheduled-job.js";
import { isoInZone } from "../schedule/iso-local.js";
import type { Zone } from "../schedule/zone.js";

export type SleepFn = typeof sleepUntil;

export interface LoopEnv {
  readonly clock: Clock;
  readonly sleep: SleepFn;
  readonly zone: Zone;
  readonly hostname: string;
  readonly store: StateStore;
  /** aborted when chime stops: sleeps end, a running job is aborted */
  readonly stop: AbortSignal;
  /** --grace: TERM → this → KILL for a run's processes */
  readonly graceMs?: number;
}

/** idle: a run has just ended, its record is being written and the next wake computed */
export type LoopPhase = "starting" | "sleeping" | "running" | "idle" | "stopped";

/** a step back of the clock beyond this (seconds) no longer holds the job back; see trustPrev */
const CLOCK_BACK_LIMIT_S = 86_400;

/** counting stops at MAX_COUNTED_SLOTS: say "at least" then */
function countText(n: number): number | string {
  return n >= MAX_COUNTED_SLOTS ? `${n}+` : n;
}

/**
 * One job's life in the daemon: wake → run → account → repeat, until chime stops or a reload
 * retires it. Never two runs of the same job at once; a failing job never ends the loop.
 */
export class JobLoop {
  phase: LoopPhase = "starting";
  /** wall-clock ms of the planned next run (splay included) */
  nextRunAtMs: number | undefined;
  record: RunRecord;
  readonly done: Promise<void>;
  private wakeCtl = new AbortController();
  private alarmPending = false;
  /** aborted when chime stops or a reload retires this job: ends the sleep */
  private readonly endCtl = new AbortController();
  private retired = false;
  private readonly splayMs: number;

  constructor(
    readonly sj: ScheduledJob,
    private readonly env: LoopEnv,
    private readonly log: Logger,
    /** carried: the record of the loop this one replaces (HUP), read once that one has ended */
    opts: { catchUp: boolean; carried?: () => RunRecord; after?: Promise<void> },
  ) {
    this.record = { job: sj.tag };
    this.splayMs = splayOffsetMs(env.hostname, sj.tag, sj.splayMs);
    // one listener for the loop's life, not AbortSignal.any() per sleep: Node 20's any() keeps
    // every composed signal alive as long as its sources, which grows memory by the run
    if (env.stop.aborted) this.endCtl.abort();
    else env.stop.addEventListener("abort", () => this.endCtl.abort(), { once: true });
    this.done = (async () => {
      await opts.after;
      try {
        await this.main(opts.catchUp, opts.carried);
      } catch (e) {
        // a bug here must not take the other jobs down; the log says what happened
        this.log.error({ error: e instanceof Error ? e.message : String(e) }, "job loop failed; job stopped");
      } finally {
        this.phase = "stopped";
      }
    })();
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

  private async main(catchUp: boolean, carried: (() => RunRecord) | undefined): Promise<void> {
    const { sj, env } = this;
    this.record = carried ? { ...carried() } : await env.store.load(sj.tag, (msg, fields) => this.log.warn(fields, msg));
    if (!carried) this.closeUnfinishedRun();
    const before = carried ? undefined : previousPlan(this.record, { schedule: sj.schedule, offsetMs: this.splayMs });
    this.record = { ...this.record, job: sj.tag, schedule: sj.schedule.text, pid: process.pid };
    let prev: number | undefined = this.trustPrev(carried || catchUp ? this.record.handledThrough : undefined);
    if (catchUp && before !== undefined && !this.ended) prev = await this.catchUp(before, prev);

    let plannedWake: number | undefined;
    while (!this.ended) {
      prev = this.trustPrev(prev);
      let wake: number;
      try {
        wake = nextWake(sj.schedule, env.zone, prev, this.slotNow());
      } catch (e) {
        this.log.error({ error: e instanceof Error ? e.message : String(e) }, "no next run: schedule has no match ahead; job stopped");
        return;
      }
      const runAtMs = wake * 1000 + this.splayMs;
      if (wake !== plannedWake) {
        plannedWake = wake;
        await this.announce(runAtMs);
      }
      if (!this.alarmPending) {
        this.phase = "sleeping";
        this.nextRunAtMs = runAtMs;
        this.wakeCtl = new AbortController();
        const lastSlot = prev;
        // the sleep only waits longer when the clock moves back; watch for a step back so
        // large that waiting for the planned wake would stall the job (see trustPrev)
        const watch = setInterval(() => {
          if (lastSlot !== undefined && lastSlot > this.slotNow().seconds + CLOCK_BACK_LIMIT_S) this.wakeCtl.abort();
        }, RECHECK_MS);
        watch.unref?.();
        const outcome = await env.sleep(instantFromMs(runAtMs), {
          clock: env.clock,
          signal: this.endCtl.signal,
          wake: this.wakeCtl.signal,
        });
        clearInterval(watch);
        if (outcome === "aborted") break;
        if (outcome === "woken" && !this.alarmPending) continue; // reschedule
      }
      if (this.alarmPending) {
        this.alarmPending = false;
        // slots from now on that pass during this unscheduled run count as skipped
        const before = ceilSeconds(this.slotNow()) - 1;
        const from = prev === undefined ? before : Math.max(prev, before);
        await this.runOnce("alarm", undefined);
        const after = this.accountSkipped(from);
        if (after !== from) prev = after;
        plannedWake = undefined; // a "next run" line follows every run, this one too
        continue;
      }
      prev = wake;
      await this.runOnce("schedule", wake);
      prev = this.accountSkipped(prev);
    }
  }

  /**
   * At start: one catch-up run if the stopped service missed runs it had planned (catch-up.ts),
   * never a burst. When the schedule or the splay changed meanwhile, the new plan starts from
   * now (a new-plan slot before the restart was not missed: the old plan was in force).
   * Returns the new previous wake.
   */
  private async catchUp(plan: PreviousPlan, prev: number | undefined): Promise<number | undefined> {
    const { env } = this;
    if (plan.scheduleBefore !== undefined) this.log.info({ was: plan.scheduleBefore, when: this.sj.schedule.text }, "schedule changed since the last run");
    if (plan.from > this.slotNow().seconds + CLOCK_BACK_LIMIT_S) return prev; // trustPrev has said it
    const fromNow = ceilSeconds(this.slotNow()) - 1;
    const missed = missedRuns(plan, env.zone, instantToMs(env.clock.now()));
    if (missed.last !== undefined) {
      this.log.info(
        { missed: countText(missed.count), since: isoInZone(plan.from * 1000, env.zone), ...(plan.scheduleBefore ? { by: plan.scheduleBefore } : {}) },
        "missed runs while chime was not running; catching up once",
      );
      await this.runOnce("catch-up", missed.last);
    }
    if (!plan.changed) return missed.last === undefined ? prev : this.accountSkipped(missed.last);
    const after = this.accountSkipped(fromNow);
    this.record.handledThrough = Math.max(this.record.handledThrough ?? after, after);
    return this.record.handledThrough;
  }

  /**
   * The last handled slot is normally in the past. More than a day in the future means the
   * clock was moved back that far (a host that booted with its clock years ahead, then NTP
   * fixed it): "at or after previous wake + 1 s" would stall the job until then. Small
   * steps back keep the rule (a slot never runs twice); a big one restarts from now.
   */
  private trustPrev(prev: number | undefined): number | undefined {
    if (prev === undefined) return undefined;
    const now = this.slotNow().seconds;
    if (prev <= now + CLOCK_BACK_LIMIT_S) return prev;
    this.log.warn(
      { last_slot: isoInZone(prev * 1000, this.env.zone), now: isoInZone(now * 1000, this.env.zone) },
      "the clock is more than a day behind this job's last slot (it was moved back); scheduling from now",
    );
    delete this.record.handledThrough;
    return undefined;
  }

  /**
   * A record whose last run started but never ended: the chime before us was killed (kill -9,
   * a crash, a grace period exceeded) during it. Say so once, and close the record, or
   * `chime status` would report that run as going on for ever.
   */
  private closeUnfinishedRun(): void {
    const r = this.record;
    if (r.lastStartMs === undefined || (r.lastEndMs !== undefined && r.lastEndMs >= r.lastStartMs)) return;
    this.log.warn(
      { started: isoInZone(r.lastStartMs, this.env.zone), ...(r.lastReason ? { reason: r.lastReason } : {}), ...(r.pid ? { pid: r.pid } : {}) },
      "the previous run did not finish: chime was stopped during it",
    );
    r.lastEndMs = instantToMs(this.env.clock.now());
    r.lastStatus = "unknown";
    r.lastSummary = "did not finish: chime was stopped during the run";
    r.interrupted = true;
  }

  private async announce(runAtMs: number): Promise<void> {
    this.nextRunAtMs = runAtMs;
    const inS = Math.max(0, Math.round((runAtMs - instantToMs(this.env.clock.now())) / 1000));
    this.log.info(
      { at: isoInZone(runAtMs, this.env.zone), in_s: inS, when: this.sj.schedule.text, ...(this.splayMs ? { splay_s: this.splayMs / 1000 } : {}) },
      `next run: ${this.sj.what}`,
    );
    this.record.nextRunAt = Math.round(runAtMs / 1000);
    this.record.plannedSlot = Math.round((runAtMs - this.splayMs) / 1000);
    this.record.splayOffsetMs = this.splayMs;
    await this.save();
  }

  /**
   * Slots that passed during the run (or a clock jump) are skipped, not queued: one line with
   * their count. Returns the new "previous wake".
   */
  private accountSkipped(prev: number): number {
    // up to the next wake's lower bound: a slot in the second the run ended in (10:01:00 when
    // it ended at 10:01:00.3) has passed too, and nextWake will not pick it (it rounds up)
    const { count, last } = passedSlots(this.sj.schedule, this.env.zone, prev, ceilSeconds(this.slotNow()));
    if (last === undefined) return prev;
    this.log.warn(
      { skipped: countText(count), first_after: isoInZone((prev + 1) * 1000, this.env.zone), last: isoInZone(last * 1000, this.env.zone) },
      "skipped runs: the previous run was still going or the clock jumped forward",
    );
    this.record.handledThrough = last;
    return last;
  }

  private async runOnce(reason: string, slot: number | undefined): Promise<void> {
    this.phase = "running";
    // an ALRM run leaves the planned wake as it was; a scheduled run consumes it
    if (slot !== undefined) this.nextRunAtMs = undefined;
    const startFields: Record<string, string> = {};
    if (slot !== undefined) {
      this.record.handledThrough = Math.max(this.record.handledThrough ?? slot, slot);
      startFields["slot"] = isoInZone(slot * 1000, this.env.zone);
    }
    this.record.lastStartMs = instantToMs(this.env.clock.now());
    this.record.lastReason = reason;
    await this.save();
    let stateDir: string;
    try {
      stateDir = await this.env.store.prepareJobDir(this.sj.tag);
    } catch (e) {
      // never a run with an empty or substituted state path: the job's memory would be lost
      this.log.error(fsErrorFields(e), "run not started: unable to create the job's state directory");
      this.phase = "idle";
      this.record.lastEndMs = instantToMs(this.env.clock.now());
      this.record.lastStatus = "unknown";
      this.record.lastSummary = `not run: unable to create the job's state directory (${fsErrorFields(e)["error"]})`;
      await this.save();
      return;
    }
    const { result, endMs } = await runJob({
      job: this.sj.job,
      log: this.log,
      stateDir,
      now: () => this.env.clock.now(),
      reason,
      timeoutMs: this.sj.timeoutMs,
      stop: this.env.stop,
      graceMs: this.env.graceMs,
      processes: recordGroups(this.env.store, this.sj.tag, () => this.record, this.log),
      startFields,
    });
    this.phase = "idle";
    delete this.record.groups; // ended with the run (an abandoned run's got KILL)
    this.record.lastEndMs = endMs;
    this.record.lastStatus = result.status;
    // the record is read by `chime status` and anyone who can read the state directory:
    // the same redaction as the log
    this.record.lastSummary = redactText(result.summary);
    delete this.record.interrupted;
    this.record.runs = (this.record.runs ?? 0) + 1;
    await this.save();
  }

  private async save(): Promise<void> {
    try {
      await this.env.store.save(this.sj.tag, this.record);
    } catch (e) {
      this.log.warn(fsErrorFields(e), "unable to write state file");
    }
  }
}
