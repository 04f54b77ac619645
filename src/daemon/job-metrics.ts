import type { JobStatus } from "../jobs/job.js";
import { type PromFamily, writePrometheusTextfile } from "../jobs/prometheus-textfile.js";
import type { RunRecord, StateStore } from "./run-state.js";

/** how often the file is rewritten without a change: the alert rules call it stale after 30 min */
export const METRICS_HEARTBEAT_MS = 5 * 60_000;

const STATUSES: readonly JobStatus[] = ["ok", "warning", "critical", "unknown"];

/**
 * --metrics-file FILE: the same Prometheus metrics for every job of the daemon, exec included,
 * taken from the run records as the daemon saves them (a StateStore in front of the real one):
 * whatever the job loop records, the metrics say, with no second account of a run to keep in
 * step. Written through the one textfile writer (exclusive file, rename). Job-specific metrics
 * (git-backup's and ntp-check's --prom-file) are separate files and stay.
 */
export class MetricsStateStore implements StateStore {
  private readonly records = new Map<string, RunRecord>();
  /** since this chime started, per tag and status (a counter resets with the process): runs
   *  ended (all attempts of one slot), and attempts ended */
  private readonly runsEnded = new Map<string, Map<JobStatus, number>>();
  private readonly attemptsEnded = new Map<string, Map<JobStatus, number>>();
  private writing: Promise<void> | undefined;
  private dirty = false;
  /** when this chime started (unix seconds): a crash loop shows as a series of changes */
  private readonly startedS: number;
  /** when the file was last written (unix seconds): the heartbeat that says chime is alive */
  private writtenS = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly inner: StateStore,
    readonly path: string,
    private readonly problem: (err: unknown) => void,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.startedS = Math.floor(nowMs() / 1000);
  }

  /**
   * Rewrites the file every `everyMs` even when no record changed: a job that runs once a week
   * leaves it untouched for days otherwise, and "the file is old" could not tell a dead chime
   * from a quiet one. The timer does not keep the process alive.
   */
  startHeartbeat(everyMs: number): void {
    this.heartbeat ??= setInterval(() => {
      this.dirty = true;
      this.writing ??= this.writeLoop();
    }, everyMs);
    this.heartbeat.unref();
  }

  async load(tag: string, warn: (msg: string, fields: Record<string, string>) => void): Promise<RunRecord> {
    const rec = await this.inner.load(tag, warn);
    // the record at start: no run counted (it ended before this process)
    this.records.set(tag, structuredClone(rec));
    return rec;
  }

  save(tag: string, rec: RunRecord): Promise<void> {
    this.observe(tag, rec);
    return this.inner.save(tag, rec);
  }

  saveNow(tag: string, rec: RunRecord): void {
    this.observe(tag, rec);
    this.inner.saveNow(tag, rec);
  }

  prepareJobDir(tag: string): Promise<string> {
    return this.inner.prepareJobDir(tag);
  }

  /** A job removed by a reload leaves the file (its series would otherwise stay for ever). */
  async saveJobList(tags: readonly string[]): Promise<void> {
    const keep = new Set(tags);
    const gone = [...this.records.keys()].filter((t) => !keep.has(t));
    for (const tag of gone) this.records.delete(tag);
    for (const ended of [this.runsEnded, this.attemptsEnded]) for (const tag of [...ended.keys()]) if (!keep.has(tag)) ended.delete(tag);
    // at start nothing is gone, and a file written before the records are read would be empty
    if (gone.length > 0) {
      this.dirty = true;
      this.writing ??= this.writeLoop();
    }
    await this.inner.saveJobList?.(tags);
  }

  /** Resolves when the file holds everything observed so far (for tests and a clean stop). */
  async flushed(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  private observe(tag: string, rec: RunRecord): void {
    const before = this.records.get(tag);
    if (rec.lastStatus !== undefined) {
      // the status in the record when a run ends is its last attempt's: the run's
      if (rec.lastEndMs !== undefined && rec.lastEndMs !== before?.lastEndMs) count(this.attemptsEnded, tag, rec.lastStatus);
      if (rec.lastRunEndMs !== undefined && rec.lastRunEndMs !== before?.lastRunEndMs) count(this.runsEnded, tag, rec.lastStatus);
    }
    this.records.set(tag, structuredClone(rec));
    this.dirty = true;
    // one write at a time, the latest state last: saves come in bursts around each run
    this.writing ??= this.writeLoop();
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        try {
          this.writtenS = Math.floor(this.nowMs() / 1000);
          await writePrometheusTextfile(this.path, this.families());
        } catch (e) {
          this.problem(e);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  families(): PromFamily[] {
    const recs = [...this.records.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const gauge = (name: string, help: string, value: (r: RunRecord) => number | undefined): PromFamily => ({
      name,
      help,
      samples: recs.flatMap(([tag, r]) => {
        const v = value(r);
        return v === undefined ? [] : [[{ job: tag }, v] as const];
      }),
    });
    const recordCounter = (name: string, help: string, value: (r: RunRecord) => number): PromFamily => ({
      name,
      help,
      type: "counter",
      samples: recs.map(([tag, r]) => [{ job: tag }, value(r)] as const),
    });
    const finished = (r: RunRecord) => r.lastStartMs !== undefined && r.lastEndMs !== undefined && r.lastEndMs >= r.lastStartMs;
    return [
      gauge("chime_job_last_start_timestamp_seconds", "When the last attempt of a run started (unix seconds).", (r) =>
        r.lastStartMs === undefined ? undefined : r.lastStartMs / 1000,
      ),
      gauge("chime_job_last_end_timestamp_seconds", "When the last attempt of a run ended (unix seconds).", (r) =>
        r.lastEndMs === undefined ? undefined : r.lastEndMs / 1000,
      ),
      gauge("chime_job_last_duration_seconds", "How long the last finished attempt took.", (r) =>
        finished(r) && !r.interrupted ? (r.lastEndMs! - r.lastStartMs!) / 1000 : undefined,
      ),
      gauge("chime_job_running", "1 while a run is in progress.", (r) => (r.lastStartMs === undefined ? 0 : finished(r) ? 0 : 1)),
      {
        name: "chime_job_last_status",
        help: "The last run's status: 1 for the status it ended with, 0 for the others.",
        samples: recs.flatMap(([tag, r]) =>
          r.lastStatus === undefined ? [] : STATUSES.map((s) => [{ job: tag, status: s }, s === r.lastStatus ? 1 : 0] as const),
        ),
      },
      gauge(
        "chime_job_last_attempts",
        "Attempts the last run took (1 without retries; --retry adds up to N).",
        (r) => r.lastAttempts ?? (r.lastEndMs === undefined ? undefined : 1),
      ),
      gauge("chime_job_next_run_timestamp_seconds", "When the daemon plans the next run (unix seconds, splay included).", (r) =>
        r.nextRunAtMs === undefined ? undefined : r.nextRunAtMs / 1000,
      ),
      counter("chime_job_runs_total", "Runs ended since this chime started, by the status of their last attempt.", this.runsEnded),
      counter(
        "chime_job_attempts_total",
        "Attempts ended since this chime started, by status (more than runs only with --retry).",
        this.attemptsEnded,
      ),
      recordCounter(
        "chime_job_skipped_slots_total",
        "Slots not run because the previous run was still going or the clock jumped forward (kept in the run record).",
        (r) => r.skippedSlots ?? 0,
      ),
      recordCounter(
        "chime_job_catch_up_runs_total",
        "Catch-up runs made at start for runs missed while chime was not running (kept in the run record).",
        (r) => r.catchUps ?? 0,
      ),
      recordCounter(
        "chime_job_missed_slots_total",
        "Slots missed while chime was not running; one catch-up run stands for all of a start's (kept in the run record).",
        (r) => r.missedSlots ?? 0,
      ),
      gauge(
        "chime_job_process_start_time_seconds",
        "When the chime process that runs the job started (unix seconds); changes often in a crash loop.",
        () => this.startedS,
      ),
      gauge(
        "chime_job_metrics_written_timestamp_seconds",
        "When chime wrote this file (unix seconds); rewritten at least every 5 minutes while chime runs.",
        () => this.writtenS || undefined,
      ),
    ];
    function counter(name: string, help: string, ended: Map<string, Map<JobStatus, number>>): PromFamily {
      return {
        name,
        help,
        type: "counter",
        samples: recs.flatMap(([tag]) => STATUSES.map((s) => [{ job: tag, status: s }, ended.get(tag)?.get(s) ?? 0] as const)),
      };
    }
  }
}

function count(ended: Map<string, Map<JobStatus, number>>, tag: string, status: JobStatus): void {
  const byStatus = ended.get(tag) ?? new Map<JobStatus, number>();
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  ended.set(tag, byStatus);
}
