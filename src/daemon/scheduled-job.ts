import type { Job } from "../jobs/job.js";
import type { Schedule } from "../schedule/schedule.js";

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
  /** where the schedule came from, for errors: "--when (flag)", "jobs[1].when in config file F" */
  readonly whenSource?: string;
  /** where the splay came from, for errors: "CHIME_SPLAY (environment)", "jobs[0].splay in …" */
  readonly splaySource?: string | undefined;
  /** equal fingerprints across a HUP reload mean "unchanged, keep its loop" */
  readonly fingerprint: string;
}

/** Tags become file names and log fields: keep them boring. */
export const TAG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
