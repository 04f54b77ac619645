import type { RunRecord } from "../daemon/run-state.js";
import type { JobStatus } from "../jobs/job.js";

/**
 * How a monitoring system should see one job, from its run record: the judgement `chime check`
 * and `chime status` share. Nagios states: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
 */
export type Health = 0 | 1 | 2 | 3;

export const HEALTH_NAME = ["OK", "WARNING", "CRITICAL", "UNKNOWN"] as const;

/** The worse of two: CRITICAL over UNKNOWN over WARNING over OK (a known failure outranks doubt). */
export function worse(a: Health, b: Health): Health {
  const rank = [0, 1, 3, 2];
  return rank[a]! >= rank[b]! ? a : b;
}

const OF_STATUS: Record<JobStatus, Health> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

export interface JobJudgement {
  health: Health;
  /** the problem in a few words, or what is fine */
  text: string;
}

export interface JudgeOptions {
  nowMs: number;
  /** a planned wake this long past with no run is overdue */
  toleranceMs: number;
  /** the job's --timeout (plus the grace before KILL): a run older than that is stuck */
  timeoutMs: number | undefined;
  graceMs: number;
  /** whether a process exists (the run's chime) */
  alive: (pid: number) => boolean;
  /** the record file exists: a missing one is a job the daemon has not planned yet */
  exists: boolean;
}

const secs = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

export function judgeJob(r: RunRecord, o: JudgeOptions): JobJudgement {
  if (!o.exists) return { health: 1, text: "never run, no run record yet (is chime running?)" };
  const unfinished = r.lastStartMs !== undefined && (r.lastEndMs === undefined || r.lastEndMs < r.lastStartMs);
  if (unfinished) {
    const age = o.nowMs - r.lastStartMs!;
    if (r.pid !== undefined && !o.alive(r.pid))
      return { health: 1, text: `run started ${secs(age)} ago did not finish: chime (pid ${r.pid}) is gone` };
    if (o.timeoutMs !== undefined && age > o.timeoutMs + o.graceMs)
      return { health: 2, text: `running for ${secs(age)}, past its timeout of ${secs(o.timeoutMs)}` };
    // a run in progress says nothing yet: the last finished one still stands
    const last = lastRun(r, o.nowMs);
    return last ? { health: last.health, text: `running for ${secs(age)}; ${last.text}` } : { health: 0, text: `running for ${secs(age)}` };
  }
  if (r.nextRunAtMs !== undefined && o.nowMs - r.nextRunAtMs > o.toleranceMs) {
    return { health: 2, text: `overdue: its run planned ${secs(o.nowMs - r.nextRunAtMs)} ago has not started` };
  }
  if (r.lastStatus === undefined)
    return { health: 0, text: r.nextRunAtMs !== undefined ? `never run, first run in ${secs(r.nextRunAtMs - o.nowMs)}` : "never run" };
  return lastRun(r, o.nowMs)!;
}

function lastRun(r: RunRecord, nowMs: number): JobJudgement | undefined {
  if (r.lastStatus === undefined) return undefined;
  const health = r.interrupted ? worse(OF_STATUS[r.lastStatus], 1) : OF_STATUS[r.lastStatus];
  const when = r.lastEndMs !== undefined ? ` ${secs(nowMs - r.lastEndMs)} ago` : "";
  return { health, text: `last run ${r.lastStatus}${when}${r.lastSummary ? `: ${r.lastSummary}` : ""}` };
}
