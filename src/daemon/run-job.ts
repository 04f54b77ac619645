import type { Logger } from "pino";
import type { Job, JobResult, JobStatus } from "../jobs/job.js";
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

/** the longest delay setTimeout honours */
export const MAX_TIMER_MS = 2 ** 31 - 1;

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
  let timer: NodeJS.Timeout | undefined;
  if (req.timeoutMs !== undefined && req.timeoutMs > 0) {
    const limit = formatDurationMs(req.timeoutMs);
    // Node fires a timer longer than 2^31-1 ms (24.8 days) after 1 ms: arm it in pieces
    const arm = (ms: number) => {
      const piece = Math.min(ms, MAX_TIMER_MS);
      timer = setTimeout(() => {
        if (ms > piece) return arm(ms - piece);
        log.warn({ timeout: limit }, "run timed out, stopping it");
        ctl.abort(`timeout after ${limit}`);
      }, piece);
    };
    arm(req.timeoutMs);
  }
  const startMs = instantToMs(req.now());
  log.info({ reason: req.reason, ...req.startFields }, "run start");
  let result: JobResult;
  try {
    result = checkResult(await job.run({ log, signal: ctl.signal, now: req.now, stateDir: req.stateDir }));
  } catch (e) {
    result = { status: "unknown", summary: `job failed: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    clearTimeout(timer);
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

function checkResult(r: unknown): JobResult {
  const o = r as Partial<JobResult> | null;
  if (!o || typeof o !== "object" || typeof o.status !== "string" || !STATUSES.has(o.status)) {
    return { status: "unknown", summary: "job returned no valid result" };
  }
  return {
    status: o.status,
    summary: typeof o.summary === "string" ? o.summary.split("\n")[0] ?? "" : "",
    ...(o.metrics ? { metrics: o.metrics } : {}),
    ...(typeof o.report === "string" ? { report: o.report } : {}),
  };
}
