import type { Clock } from "../sleep/clock.js";
import type { sleepUntil } from "../sleep/sleep-until.js";
import type { Environment } from "../jobs/job.js";
import type { Zone } from "../schedule/zone.js";
import type { StateStore } from "./run-state.js";
import type { StartGate } from "./start-gate.js";

/** What the daemon lends every job loop (job-loop.ts) and each of its runs. */
export type SleepFn = typeof sleepUntil;

export interface LoopEnv {
  readonly clock: Clock;
  readonly sleep: SleepFn;
  readonly zone: Zone;
  readonly hostname: string;
  readonly store: StateStore;
  /** aborted when chime stops: sleeps end, a running job is aborted */
  readonly stop: AbortSignal;
  /** --grace: TERM → this → KILL for a run's processes */
  readonly graceMs?: number;
  /** --max-concurrent: start-up runs (catch-up, at-start) of this service wait here */
  readonly gate?: StartGate;
  /** chime's environment, for alert commands (run-alerts.ts) */
  readonly environment: Environment;
}
