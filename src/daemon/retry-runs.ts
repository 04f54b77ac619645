import type { Logger } from "pino";
import type { JobStatus } from "../jobs/job.js";
import { retryDelayMs, shouldRetry, type RetryPolicy } from "./retry-policy.js";

export interface RetryRun {
  readonly policy: RetryPolicy;
  readonly log: Logger;
  /** one attempt (1 for the first); undefined when it was not started (chime is stopping) */
  attempt(n: number): Promise<JobStatus | undefined>;
  /** wall ms of the job's next scheduled run, if it has one: no retry starts at or after it */
  nextSlotMs(): number | undefined;
  nowMs(): number;
  /** waits until `ms`; false when chime stops or the job is retired meanwhile */
  waitUntil(ms: number): Promise<boolean>;
  /** chime is stopping or the job was retired: an attempt that failed now was aborted by it */
  stopping(): boolean;
  /** for log lines: an instant in the job's zone */
  iso(ms: number): string;
  random?: () => number;
}

export interface RetryOutcome {
  /** attempts started */
  attempts: number;
  /** the last attempt's status; undefined when none was started */
  status: JobStatus | undefined;
}

/**
 * A run and its retries (--retry): after a retried status (retry-policy.ts), wait and run
 * again, at most policy.retries times. The next scheduled slot wins: a retry that would start
 * at or after it is not made, so a retry never overlaps or delays a scheduled run. A stop
 * (TERM) or a reload ends the wait and no further attempt is made.
 */
const STOPPING = "no more retries: the job is stopping (TERM or reload)";

export async function runWithRetries(r: RetryRun): Promise<RetryOutcome> {
  const total = r.policy.retries + 1;
  let status: JobStatus | undefined;
  for (let n = 1; ; n++) {
    status = await r.attempt(n);
    if (status === undefined) return { attempts: n - 1, status };
    if (!shouldRetry(status) || r.policy.retries === 0) return { attempts: n, status };
    if (n === total) {
      r.log.warn({ attempts: n, status }, `run ${status} after ${n} attempts; no more retries`);
      return { attempts: n, status };
    }
    if (r.stopping()) {
      r.log.info({ attempts: n, status }, STOPPING);
      return { attempts: n, status };
    }
    const delay = retryDelayMs(r.policy, n + 1, (r.random ?? Math.random)());
    const at = r.nowMs() + delay;
    const slot = r.nextSlotMs();
    if (slot !== undefined && at >= slot) {
      r.log.warn(
        { attempts: n, status, retry_at: r.iso(at), next_run: r.iso(slot) },
        "no more retries: the next scheduled run comes first",
      );
      return { attempts: n, status };
    }
    r.log.warn({ attempt: n + 1, of: total, at: r.iso(at), in_s: Math.round(delay / 1000) }, `run ${status}; retrying`);
    if (!(await r.waitUntil(at))) {
      r.log.info({ attempts: n, status }, STOPPING);
      return { attempts: n, status };
    }
  }
}
