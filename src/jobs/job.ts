import type { Logger } from "pino";
import type { Instant } from "../time/instant.js";
import type { OptionSpec } from "../options/option-spec.js";
import type { ProcessTracker } from "./process-runner.js";

/** Nagios-compatible meaning; the exit code of a job run once is its index (0 … 3). */
export type JobStatus = "ok" | "warning" | "critical" | "unknown";

export const exitCodeOfStatus: Readonly<Record<JobStatus, number>> = {
  ok: 0,
  warning: 1,
  critical: 2,
  unknown: 3,
};

export interface JobContext {
  /** child logger already tagged with the job name */
  log: Logger;
  /** aborted on shutdown or timeout: stop promptly, kill children */
  signal: AbortSignal;
  /** injected clock */
  now(): Instant;
  /** private, persistent, owned by this job */
  stateDir: string;
  /**
   * After an abort, how long the job's children get between TERM and KILL (--grace); absent
   * (a test calling run() directly): DEFAULT_GRACE_MS. The daemon waits this long, plus a
   * margin, for run() to settle before it gives up on the run.
   */
  graceMs?: number;
  /** where process-runner.ts records the process groups this run starts (the run record) */
  processes?: ProcessTracker;
}

/** --grace's default: TERM, then this long, then KILL */
export const DEFAULT_GRACE_MS = 5000;

export interface JobResult {
  status: JobStatus;
  /** one line, human */
  summary: string;
  metrics?: Record<string, number>;
  /**
   * What a run by hand prints on stdout, Nagios plugin style (status line first, long output
   * after) — only for specs with `pluginOutput`.
   */
  report?: string;
  /**
   * The tail of the job's own output (exec: the last OUTPUT_TAIL_BYTES of its stdout and stderr
   * lines), for --on-failure's stdin and --ping's body; absent: the summary says it all.
   */
  outputTail?: string;
}

/** How much of a job's output an alert or a ping carries: the healthchecks body limit we keep to. */
export const OUTPUT_TAIL_BYTES = 10_240;

/**
 * One job. The daemon creates it once and calls run() at every wake, so a job may keep
 * memory between runs (e.g. "LI=3 seen on the previous poll too").
 */
export interface Job {
  readonly name: string;
  run(ctx: JobContext): Promise<JobResult>;
}

export type Environment = Readonly<Record<string, string | undefined>>;

/**
 * How the command line, the daemon and a config file turn words into a Job.
 * create() parses once, at the edge; it throws JobConfigError naming the bad value and
 * where it came from (flag, environment variable, config file).
 */
export interface JobSpec {
  readonly name: string;
  /** one line: "git-backup DIR [options]" */
  readonly usage: string;
  /** full --help text */
  readonly help: string;
  /**
   * The job's options as data: its --help table, its docs table and install-service's check
   * come from this declaration (create() reads the same one).
   */
  readonly options?: readonly OptionSpec[];
  create(args: readonly string[], env: Environment): Job;
  /**
   * Run once (`chime JOB …`), stdout carries only the result's `report`, so a monitoring system
   * reads the plugin output; the TAI64N log goes to stderr instead.
   */
  readonly pluginOutput?: boolean;
}

/** A configuration error: exit 100 from the command line, refuse to start as a service. */
export class JobConfigError extends Error {
  override readonly name = "JobConfigError";
}
