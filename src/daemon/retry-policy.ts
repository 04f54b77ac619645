import type { JobStatus } from "../jobs/job.js";

/**
 * --retry N / --retry-delay D: what happens after a run that failed. Pure: the loop that
 * waits and runs again is in retry-runs.ts.
 *
 * Retried: `critical` (the job failed) and `unknown` (it could not tell: it threw, timed out,
 * returned nonsense). Not retried: `ok`, and `warning` — the job did its work and reports
 * something to look at; running it again would only repeat the warning.
 */
export const RETRIED_STATUSES: ReadonlySet<JobStatus> = new Set<JobStatus>(["critical", "unknown"]);

/**
 * No wait between attempts is longer than this, however many doublings: a job retried every
 * few hours is a job that runs on another schedule, which is --when's business.
 */
export const RETRY_DELAY_CAP_MS = 3_600_000;

/** the --retry-delay default: the first wait; each later one doubles */
export const DEFAULT_RETRY_DELAY_MS = 30_000;

/** the largest --retry: beyond it the doublings are all at the cap */
export const MAX_RETRIES = 100;

export interface RetryPolicy {
  /** retries after the first attempt (0: none) */
  readonly retries: number;
  /** the wait before the first retry; doubled for each later one */
  readonly delayMs: number;
}

export const NO_RETRY: RetryPolicy = { retries: 0, delayMs: DEFAULT_RETRY_DELAY_MS };

export function shouldRetry(status: JobStatus): boolean {
  return RETRIED_STATUSES.has(status);
}

/**
 * The wait before attempt `attempt` (2 for the first retry): delayMs · 2^(attempt−2), capped at
 * RETRY_DELAY_CAP_MS, then jittered down to somewhere in [half, all] of it, so that jobs that
 * failed together (the network was down) do not retry together. `random` is in [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, attempt: number, random: number): number {
  const doublings = Math.max(0, attempt - 2);
  const full = Math.min(RETRY_DELAY_CAP_MS, policy.delayMs * 2 ** Math.min(doublings, 40));
  return Math.round(full / 2 + (full / 2) * random);
}
