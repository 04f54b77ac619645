import type { Logger } from "pino";
import type { JobResult, JobStatus } from "../jobs/job.js";
import { redactText } from "../log/redact.js";
import { instantToMs } from "../time/instant.js";
import type { LoopEnv } from "./loop-env.js";
import { recordGroups } from "./run-groups.js";
import { runJob } from "./run-job.js";
import { fsErrorFields, type RunRecord } from "./run-state.js";
import type { ScheduledJob } from "./scheduled-job.js";

export interface AttemptRequest {
  readonly sj: ScheduledJob;
  readonly env: LoopEnv;
  readonly log: Logger;
  /** the job loop's record, read afresh: the loop may replace the object */
  record(): RunRecord;
  save(): Promise<void>;
  /** why: schedule, catch-up, at-start, alarm */
  readonly reason: string;
  /** for the start line: the slot, the attempt number */
  readonly startFields: Record<string, string | number>;
  /** the job ran and its result is in the record, which is saved next */
  ended(status: JobStatus, result?: JobResult): void;
}

/**
 * One attempt of a daemon run: the record says it started (a kill -9 during it is noticed at
 * the next start), the job's state directory exists, the job runs (run-job.ts), the record
 * keeps its result. Never throws for a job's failure: the status says it.
 */
export async function runAttempt(a: AttemptRequest): Promise<JobStatus> {
  const { sj, env, log } = a;
  const rec = a.record();
  rec.lastStartMs = instantToMs(env.clock.now());
  rec.lastReason = a.reason;
  await a.save();
  let stateDir: string;
  try {
    stateDir = await env.store.prepareJobDir(sj.tag);
  } catch (e) {
    // never a run with an empty or substituted state path: the job's memory would be lost
    log.error(fsErrorFields(e), "run not started: unable to create the job's state directory");
    rec.lastEndMs = instantToMs(env.clock.now());
    rec.lastStatus = "unknown";
    rec.lastSummary = `not run: unable to create the job's state directory (${fsErrorFields(e)["error"]})`;
    await a.save();
    return "unknown";
  }
  const { result, endMs } = await runJob({
    job: sj.job,
    log,
    stateDir,
    now: () => env.clock.now(),
    reason: a.reason,
    timeoutMs: sj.timeoutMs,
    stop: env.stop,
    graceMs: env.graceMs,
    processes: recordGroups(env.store, sj.tag, a.record, log),
    startFields: a.startFields,
  });
  const after = a.record();
  delete after.groups; // ended with the run (an abandoned run's got KILL)
  after.lastEndMs = endMs;
  after.lastStatus = result.status;
  // the record is read by `chime status` and anyone who can read the state directory:
  // the same redaction as the log
  after.lastSummary = redactText(result.summary);
  delete after.interrupted;
  a.ended(result.status, result);
  await a.save();
  return result.status;
}
