import type { Logger } from "pino";
import { DEFAULT_GRACE_MS, type Job, type JobResult, type JobStatus } from "../jobs/job.js";
import { setLongTimeout } from "../jobs/long-timer.js";
import { signalGroup, type OwnedGroup } from "../jobs/process-group.js";
import type { ProcessTracker } from "../jobs/process-runner.js";
import { formatDurationMs } from "../time/duration-option.js";
import { instantToMs, type Instant } from "../time/instant.js";

export interface RunRequest {
  job: Job;
  log: Logger;
  stateDir: string;
  now: () => Instant;
  /** why this run happens: schedule, catch-up, alarm, once */
  reason: string;
  /** per-run limit; the run is aborted after it */
  timeoutMs?: number | undefined;
  /** aborted when chime stops (TERM/INT) */
  stop: AbortSignal;
  /** --grace: the job's children get this long between TERM and KILL, the job a margin more */
  graceMs?: number | undefined;
  /** the run record's keeper of the process groups this run starts */
  processes?: ProcessTracker | undefined;
  /** extra fields for the start line (the slot it serves) */
  startFields?: Record<string, string | number>;
}

export interface RunOutcome {
  result: JobResult;
  startMs: number;
  endMs: number;
}

const LEVEL_OF_STATUS: Readonly<Record<JobStatus, "info" | "warn" | "error">> = {
  ok: "info",
  warning: "warn",
  critical: "error",
  unknown: "warn",
};
const STATUSES = new Set<string>(Object.keys(LEVEL_OF_STATUS));

/**
 * After an abort, how long past the grace a job may take to settle: its children got KILL at
 * the end of the grace, and it needs a moment to see them gone and report it.
 */
export const SETTLE_MARGIN_MS = 1000;

/**
 * One run of one job, the same for `chime JOB` and the daemon: a start line, the job with an
 * abort signal (stop or timeout), exactly one summary line with status and duration. A job
 * that throws or returns nonsense is reported as unknown — it never takes the caller down.
 */
export async function runJob(req: RunRequest): Promise<RunOutcome> {
  const { job, log } = req;
  const ctl = new AbortController();
  const onStop = () => ctl.abort("shutdown");
  if (req.stop.aborted) onStop();
  else req.stop.addEventListener("abort", onStop, { once: true });
  let cancelTimeout: (() => void) | undefined;
  if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
    const limit = formatDurationMs(req.timeoutMs);
    cancelTimeout = setLongTimeout(() => {
      log.warn({ timeout: limit }, "run timed out, stopping it");
      ctl.abort(`timeout after ${limit}`);
    }, req.timeoutMs);
  }
  const startMs = instantToMs(req.now());
  log.info({ reason: req.reason, ...req.startFields }, "run start");
  const graceMs = req.graceMs ?? DEFAULT_GRACE_MS;
  const groups = trackGroups(req.processes);
  let result: JobResult;
  let cancelGiveUp: (() => void) | undefined;
  try {
    const settled = Promise.resolve()
      .then(() => job.run({ log, signal: ctl.signal, now: req.now, stateDir: req.stateDir, graceMs, processes: groups.tracker }))
      .then(
        checkResult,
        (e: unknown): JobResult => ({ status: "unknown", summary: `job failed: ${e instanceof Error ? e.message : String(e)}` }),
      );
    // A job whose promise never settles (a read that ignores its abort) must not hold the
    // service: once aborted, it gets the grace and a margin, then we stop waiting for it.
    const abandoned = new Promise<undefined>((resolve) => {
      const arm = () => (cancelGiveUp = setLongTimeout(() => resolve(undefined), graceMs + SETTLE_MARGIN_MS));
      if (ctl.signal.aborted) arm();
      else ctl.signal.addEventListener("abort", arm, { once: true });
    });
    result = (await Promise.race([settled, abandoned])) ?? abandon(log, String(ctl.signal.reason), graceMs, groups);
  } finally {
    cancelTimeout?.();
    cancelGiveUp?.();
    req.stop.removeEventListener("abort", onStop);
  }
  const endMs = instantToMs(req.now());
  const duration = ((endMs - startMs) / 1000).toFixed(3);
  log[LEVEL_OF_STATUS[result.status]](
    { status: result.status, duration_s: Number(duration), ...result.metrics },
    `run ${result.status}: ${result.summary}`,
  );
  return { result, startMs, endMs };
}

/**
 * The run outlived its grace after an abort: say so (the job's logger names it), end what it
 * started (its groups got TERM at the abort already) and whatever it may still start, and
 * record the run as unknown — we do not know what it did. Its promise is left behind;
 * whatever it settles with later is ignored.
 */
function abandon(log: Logger, why: string, graceMs: number, groups: ReturnType<typeof trackGroups>): JobResult {
  const live = groups.close();
  for (const g of live) signalGroup(g.pgid, "SIGKILL");
  const grace = formatDurationMs(graceMs);
  log.error(
    { reason: why, grace, ...(live.length ? { pgids: live.map((g) => g.pgid).join(",") } : {}) },
    "run did not stop within the grace period; no longer waiting for it",
  );
  return { status: "unknown", summary: `did not stop within ${grace} after ${why}; abandoned` };
}

/**
 * Passes group records on to the run record, keeping the live ones for abandon(). Once the
 * run is abandoned (closed), a group it still starts is killed at once: the next run may be
 * going on by then, and two runs of one job never overlap.
 */
function trackGroups(outer: ProcessTracker | undefined) {
  const live = new Map<number, OwnedGroup>();
  let closed = false;
  const tracker: ProcessTracker = {
    // abandon() needs only the pgids; a start time is for a record that outlives us
    wantsStartTime: outer !== undefined && outer.wantsStartTime !== false,
    record(g) {
      if (closed) {
        signalGroup(g.pgid, "SIGKILL");
        return;
      }
      live.set(g.pgid, g);
      outer?.record(g);
    },
    release(pgid) {
      if (closed) return;
      live.delete(pgid);
      outer?.release(pgid);
    },
  };
  return {
    tracker,
    /** no more records: returns the groups still live */
    close(): OwnedGroup[] {
      closed = true;
      return [...live.values()];
    },
  };
}

function checkResult(r: unknown): JobResult {
  const o = r as Partial<JobResult> | null;
  if (!o || typeof o !== "object" || typeof o.status !== "string" || !STATUSES.has(o.status)) {
    return { status: "unknown", summary: "job returned no valid result" };
  }
  return {
    status: o.status,
    summary: typeof o.summary === "string" ? (o.summary.split("\n")[0] ?? "") : "",
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(typeof o.report === "string" ? { report: o.report } : {}),
    ...(typeof o.outputTail === "string" ? { outputTail: o.outputTail } : {}),
  };
}
