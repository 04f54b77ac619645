import { setMaxListeners } from "node:events";
import { availableParallelism } from "node:os";
import type { ChimeLog } from "../log/logger.js";
import { setLongTimeout } from "../jobs/long-timer.js";
import { formatDurationMs } from "../time/duration-option.js";
import { instantToMs } from "../time/instant.js";
import { JobLoop } from "./job-loop.js";
import type { LoopEnv } from "./loop-env.js";
import { isoInZone } from "../schedule/iso-local.js";
import { reapLeftovers } from "./run-groups.js";
import { SETTLE_MARGIN_MS } from "./run-job.js";
import type { ScheduledJob } from "./scheduled-job.js";
import { StartGate } from "./start-gate.js";
import { fsErrorFields } from "./run-state.js";

export interface DaemonOptions {
  /** one catch-up run at start after downtime (--no-catch-up turns it off) */
  catchUp: boolean;
  /** how long a stopping daemon waits for running jobs (they kill their children after it) */
  graceMs: number;
  /** --max-concurrent: start-up runs (catch-up, at-start) going on at once; default: the CPUs */
  maxConcurrent?: number | undefined;
  /** re-reads the config file for SIGHUP; absent when the jobs came from the command line */
  reload?: (() => Promise<ScheduledJob[]>) | undefined;
}

/**
 * A last resort beyond the grace: runJob gives up on a run SETTLE_MARGIN_MS after it, so the
 * loops end before this unless something else hangs (a state write on a stuck disk).
 */
const STOP_MARGIN_MS = SETTLE_MARGIN_MS + 1500;

/**
 * The service: one JobLoop per job, and what the signals ask for. The signal wiring itself is
 * in signal-handlers.ts, so tests drive a Daemon directly with a fake clock.
 */
export class Daemon {
  private readonly loops = new Map<string, JobLoop>();
  /** loops a reload removed or replaced, until their last run has ended */
  private readonly retiring = new Set<JobLoop>();
  private readonly stopCtl = new AbortController();
  private readonly env: LoopEnv;
  private reloading: Promise<void> | undefined;

  constructor(
    env: Omit<LoopEnv, "stop">,
    private readonly chimeLog: ChimeLog,
    private readonly opts: DaemonOptions,
  ) {
    // every job loop and every running job listens for the stop; Node would warn about an
    // "EventTarget memory leak" (an unstamped stderr line in the log) from 11 jobs on
    setMaxListeners(0, this.stopCtl.signal);
    const gate = new StartGate(opts.maxConcurrent ?? availableParallelism());
    this.env = { ...env, stop: this.stopCtl.signal, graceMs: opts.graceMs, gate };
  }

  get stopping(): boolean {
    return this.stopCtl.signal.aborted;
  }

  start(jobs: readonly ScheduledJob[]): void {
    // Before any wake or catch-up: end what runs of the chime before us left behind (a kill -9
    // during a run), every job at once so that the grace is waited once.
    const reaped = Promise.all(
      jobs.map((sj) => reapLeftovers(this.env.store, sj.tag, this.chimeLog.forJob(sj.tag), this.opts.graceMs)),
    ).then(() => {});
    // at start only: a job a reload adds or changes does not run "at start" (Vixie's @reboot
    // runs when cron starts, not when a crontab is edited)
    this.env.gate?.expect(jobs.length);
    for (const sj of jobs) this.startLoop(sj, { catchUp: this.opts.catchUp, atStart: true, after: reaped });
    this.saveJobList(jobs.map((sj) => sj.tag));
  }

  /** `chime status` lists these jobs only; a removed job's record stays, as history. */
  private saveJobList(tags: readonly string[]): void {
    void this.env.store
      .saveJobList?.(tags)
      .catch((e: unknown) => this.chimeLog.log.warn(fsErrorFields(e), "unable to write the job list in the state directory"));
  }

  private startLoop(sj: ScheduledJob, opts: ConstructorParameters<typeof JobLoop>[3]): void {
    this.loops.set(sj.tag, new JobLoop(sj, this.env, this.chimeLog.forJob(sj.tag), opts));
  }

  /** SIGALRM (`svc -a`): run every job now; a job that is running already is left alone. */
  alarm(): void {
    if (this.stopping) return;
    for (const [tag, loop] of this.loops) {
      if (loop.alarm()) this.chimeLog.log.info({ signal: "ALRM", target: tag }, "running job now");
      else this.chimeLog.log.info({ signal: "ALRM", target: tag }, "job is running already; not starting another run");
    }
  }

  /** SIGHUP: reload the config file; unchanged jobs keep going, running jobs are never dropped. */
  reload(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    // HUPs in quick succession reload once after the other, never concurrently
    const next = (this.reloading ?? Promise.resolve()).then(() => this.reloadNow());
    this.reloading = next;
    return next;
  }

  private async reloadNow(): Promise<void> {
    const log = this.chimeLog.log;
    if (!this.opts.reload) {
      log.info({ signal: "HUP" }, "no config file, nothing to reload; rescheduling");
      for (const loop of this.loops.values()) loop.reschedule();
      return;
    }
    let jobs: ScheduledJob[];
    try {
      jobs = await this.opts.reload();
    } catch (e) {
      log.error(
        { signal: "HUP", error: e instanceof Error ? e.message : String(e) },
        "config not reloaded, keeping the running configuration",
      );
      return;
    }
    if (this.stopping) return;
    const wanted = new Map(jobs.map((j) => [j.tag, j]));
    const changes = { added: 0, removed: 0, changed: 0, unchanged: 0 };
    for (const [tag, loop] of [...this.loops]) {
      const sj = wanted.get(tag);
      if (sj && sj.fingerprint === loop.sj.fingerprint) {
        changes.unchanged++;
        wanted.delete(tag);
        continue;
      }
      this.loops.delete(tag);
      const retired = loop.retire();
      this.retiring.add(loop);
      void retired.then(() => this.retiring.delete(loop));
      if (!sj) {
        changes.removed++;
        continue;
      }
      changes.changed++;
      wanted.delete(tag);
      // the new version starts once the old one has finished its run, with its memory
      this.startLoop(sj, { catchUp: false, carried: () => loop.record, after: retired });
    }
    for (const sj of wanted.values()) {
      changes.added++;
      this.startLoop(sj, { catchUp: this.opts.catchUp });
    }
    this.saveJobList([...this.loops.keys()]);
    log.info({ signal: "HUP", jobs: this.loops.size, ...changes }, "configuration reloaded");
  }

  /** SIGUSR1: one status line per job. */
  status(): void {
    const now = instantToMs(this.env.clock.now());
    for (const [tag, loop] of this.loops) {
      const r = loop.record;
      const fields: Record<string, string | number> = { target: tag, state: loop.phase };
      if (loop.nextRunAtMs !== undefined) {
        fields["next"] = isoInZone(loop.nextRunAtMs, this.env.zone);
        fields["in_s"] = Math.max(0, Math.round((loop.nextRunAtMs - now) / 1000));
      }
      if (r.lastStatus) fields["last"] = r.lastStatus;
      if (r.lastEndMs !== undefined) fields["last_end"] = isoInZone(r.lastEndMs, this.env.zone);
      fields["runs"] = r.runs ?? 0;
      this.chimeLog.log.info(fields, "status");
    }
    if (this.chimeLog.dropped() > 0) this.chimeLog.log.info({ dropped_total: this.chimeLog.dropped() }, "log lines dropped since start");
  }

  /**
   * SIGTERM/SIGINT: stop sleeping now, abort running jobs, wait for them at most the grace
   * period (plus a margin for the KILL), then return. Resolves true when everything stopped.
   */
  async stop(reason: string): Promise<boolean> {
    if (!this.stopping) {
      const running = this.allLoops()
        .filter((l) => l.phase === "running")
        .map((l) => l.sj.tag);
      this.chimeLog.log.info(
        { signal: reason, ...(running.length ? { running: running.join(","), grace: formatDurationMs(this.opts.graceMs) } : {}) },
        "stopping",
      );
      this.stopCtl.abort(reason);
    }
    const all = this.done.then(() => true);
    let cancelLate: (() => void) | undefined;
    const late = new Promise<boolean>((r) => (cancelLate = setLongTimeout(() => r(false), this.opts.graceMs + STOP_MARGIN_MS)));
    const ok = await Promise.race([all, late]);
    cancelLate?.();
    if (!ok)
      this.chimeLog.log.warn({ grace: formatDurationMs(this.opts.graceMs) }, "a job did not stop within the grace period; exiting anyway");
    this.chimeLog.log.info("stopped");
    return ok;
  }

  /** resolves when every job loop has ended (after stop) */
  get done(): Promise<void> {
    // A reload replaces loops: wait for the ones that exist once those awaited have ended,
    // or the service would think it had nothing left to do after every job was changed.
    return (async () => {
      for (;;) {
        const awaited = this.allLoops();
        await Promise.all(awaited.map((l) => l.done));
        await this.reloading;
        if (this.allLoops().every((l) => awaited.includes(l))) return;
      }
    })();
  }

  private allLoops(): JobLoop[] {
    return [...this.loops.values(), ...this.retiring];
  }
}
