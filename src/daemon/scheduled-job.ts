import type { Job } from "../jobs/job.js";
import type { Schedule, Zone } from "../schedule/schedule.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { AlertSettings } from "./run-alerts.js";

/** A job bound to its schedule and run settings: what the daemon runs, parsed at the edge. */
export interface ScheduledJob {
  /** log tag and state file name: the job name, --name, or "name" in the config file */
  readonly tag: string;
  readonly job: Job;
  readonly schedule: Schedule;
  /** the job as the user wrote it, for the plan line: "exec -- echo hi" */
  readonly what: string;
  readonly timeoutMs?: number | undefined;
  readonly splayMs: number;
  /** --at-start / "atStart": one run when the service starts (the catch-up run, if one is due) */
  readonly atStart?: boolean;
  /** --retry / --retry-delay: absent or 0 retries: none */
  readonly retry?: RetryPolicy;
  /** --on-failure, --on-recovery, --ping (run-alerts.ts); absent: none */
  readonly alerts?: AlertSettings | undefined;
  /** "zone" in a config file (IANA name): the job's local time; absent: TZ */
  readonly zone?: Zone | undefined;
  /** where the schedule came from, for errors: "--when", "config file F line N (jobs[1].when)" */
  readonly whenSource?: string;
  /** where the splay came from, for errors: "CHIME_SPLAY (environment)", "jobs[0].splay in …" */
  readonly splaySource?: string | undefined;
  /** equal fingerprints across a HUP reload mean "unchanged, keep its loop" */
  readonly fingerprint: string;
}

/** Tags become file names and log fields: keep them boring. */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
