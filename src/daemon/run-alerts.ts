import type { Logger } from "pino";
import type { Environment, JobResult, JobStatus } from "../jobs/job.js";
import { runProcess, type ProcessTracker } from "../jobs/process-runner.js";
import { isSecretKey, redactText } from "../log/redact.js";
import { formatDurationMs } from "../time/duration-option.js";
import { HealthPing } from "./health-ping.js";
import type { LoopEnv } from "./loop-env.js";
import { recordGroups } from "./run-groups.js";
import type { RunRecord } from "./run-state.js";
import type { ScheduledJob } from "./scheduled-job.js";

/**
 * Telling someone when a job fails (issue 11 §3): --on-failure, --on-recovery and --ping, for
 * every job alike. Decided after a run and its retries have ended, from the run record (so the
 * rate limit and "was failing" survive a restart); nothing here delays the schedule or changes
 * the run's result — a failing alert command or an unreachable ping endpoint is a log line.
 */
export interface AlertSettings {
  /** argv, run without a shell after a run that ends warning, critical or unknown */
  readonly onFailure?: readonly string[] | undefined;
  /** argv, run after the first ok run that follows a failure */
  readonly onRecovery?: readonly string[] | undefined;
  /** --on-failure at most once per this while a job keeps failing (a new failure after an ok alerts at once) */
  readonly failureEveryMs: number;
  /** healthchecks-style ping URL */
  readonly ping?: string | undefined;
}

export const DEFAULT_FAILURE_EVERY_MS = 3_600_000;
/** an alert command's own limit: then TERM, the grace, KILL */
export const ALERT_TIMEOUT_MS = 60_000;
/** lines of an alert command's output that reach the log */
const LOGGED_LINES = 20;
const MAX_LOGGED_OUTPUT = 4096;

export interface AlertScope {
  readonly log: Logger;
  /** aborted when chime stops: a running alert command gets TERM, a waiting ping is dropped */
  readonly stop: AbortSignal;
  readonly graceMs?: number | undefined;
  /** chime's environment: the alert command's, without variables that hold secrets */
  readonly environment: Environment;
  readonly hostname: string;
  /** where the alert command's process group is recorded: after a kill -9 of chime, the next start ends it */
  readonly processes?: ProcessTracker | undefined;
}

/** A run that ended, as the alerts see it. */
export interface EndedRun {
  readonly status: JobStatus;
  readonly result: JobResult | undefined;
  readonly startMs: number;
  readonly endMs: number;
}

export class RunAlerts {
  private readonly ping: HealthPing | undefined;
  /** one alert command per job at a time: a stuck notifier must not pile up processes */
  private commandRunning = false;
  /** values of secret-named variables in our environment: never passed on, even inside text */
  private readonly secrets: string[];
  private readonly childEnv: Record<string, string>;

  constructor(
    private readonly tag: string,
    private readonly settings: AlertSettings,
    private readonly scope: AlertScope,
  ) {
    this.ping = settings.ping === undefined ? undefined : new HealthPing(settings.ping, scope.log, scope.stop);
    this.secrets = [];
    this.childEnv = {};
    for (const [k, v] of Object.entries(scope.environment)) {
      if (v === undefined) continue;
      if (isSecretKey(k)) {
        this.secrets.push(v);
        continue;
      }
      // the service's own settings (CHIME_WHEN, CHIME_PING, …) are not the alert's: its CHIME_*
      // variables are the ones below, documented, and nothing else
      if (!k.startsWith("CHIME_")) this.childEnv[k] = v;
    }
    if (settings.ping !== undefined) this.secrets.push(settings.ping);
  }

  /** A run (not each retry) starts. */
  started(): void {
    this.ping?.start();
  }

  /**
   * A run and its retries ended: updates `rec` (failing since, last alert) and starts what is
   * due, without waiting for it.
   */
  ended(rec: RunRecord, run: EndedRun): void {
    const failed = run.status !== "ok";
    const output = this.redact(run.result?.outputTail ?? (run.result ? `${run.result.summary}\n` : ""));
    if (this.ping) {
      const code = run.result?.metrics?.["exit_code"];
      const kind = !failed ? "success" : typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 255 ? code : "fail";
      this.ping.end(kind, output);
    }
    const wasFailingSince = rec.failingSinceMs;
    if (failed) {
      rec.failingSinceMs ??= run.endMs;
      const last = rec.failureAlertMs;
      // a new run of failures alerts at once; a continuing one at most once per failureEveryMs
      const due = last === undefined || last < rec.failingSinceMs || run.endMs - last >= this.settings.failureEveryMs;
      if (this.settings.onFailure && due) {
        if (this.runCommand("failure", this.settings.onFailure, run, rec.failingSinceMs, output)) rec.failureAlertMs = run.endMs;
      } else if (this.settings.onFailure) {
        this.scope.log.info(
          { last_alert_s: Math.round((run.endMs - last!) / 1000), every: formatDurationMs(this.settings.failureEveryMs) },
          "on-failure: not run again yet (still failing)",
        );
      }
      return;
    }
    delete rec.failingSinceMs;
    if (wasFailingSince !== undefined && this.settings.onRecovery)
      this.runCommand("recovery", this.settings.onRecovery, run, wasFailingSince, output);
  }

  private redact(text: string): string {
    return redactText(text, this.secrets);
  }

  /** false when it was not started (one is still running) */
  private runCommand(
    event: "failure" | "recovery",
    argv: readonly string[],
    run: EndedRun,
    failingSinceMs: number,
    output: string,
  ): boolean {
    const { log } = this.scope;
    const what = `on-${event}`;
    if (this.commandRunning) {
      log.warn({ command: argv[0] }, `${what}: the previous alert command is still running; not starting another`);
      return false;
    }
    this.commandRunning = true;
    const env: Record<string, string> = {
      ...this.childEnv,
      CHIME_JOB: this.tag,
      CHIME_EVENT: event,
      CHIME_STATUS: run.status,
      CHIME_SUMMARY: this.redact(run.result?.summary ?? ""),
      CHIME_STARTED: String(Math.floor(run.startMs / 1000)),
      CHIME_ENDED: String(Math.floor(run.endMs / 1000)),
      CHIME_DURATION_S: ((run.endMs - run.startMs) / 1000).toFixed(3),
      CHIME_FAILING_SINCE: String(Math.floor(failingSinceMs / 1000)),
      CHIME_HOST: this.scope.hostname,
    };
    let said = "";
    const collect = (b: Buffer): void => {
      if (said.length < MAX_LOGGED_OUTPUT) said += b.toString("utf8");
    };
    log.info({ command: argv[0], status: run.status }, `${what}: running ${argv[0]}`);
    void runProcess({
      argv,
      env,
      input: output,
      timeoutMs: ALERT_TIMEOUT_MS,
      signal: this.scope.stop,
      ...(this.scope.graceMs !== undefined ? { graceMs: this.scope.graceMs } : {}),
      ...(this.scope.processes ? { processes: this.scope.processes } : {}),
      log,
      onStdout: collect,
      onStderr: collect,
    })
      .then((o) => {
        for (const line of said.slice(0, MAX_LOGGED_OUTPUT).split("\n").filter(Boolean).slice(0, LOGGED_LINES))
          log.info({ alert_output: line });
        if (o.spawnError !== undefined) log.warn({ command: argv[0], error: o.spawnError }, `${what}: cannot run ${argv[0]}`);
        else if (o.stoppedBy !== undefined) log.warn({ command: argv[0], reason: o.stoppedBy }, `${what}: ${argv[0]} stopped`);
        else if (o.code === 0) log.info({ command: argv[0] }, `${what}: ${argv[0]} finished: exit 0`);
        else log.warn({ command: argv[0], ...(o.signal ? { signal: o.signal } : { exit: o.code ?? -1 }) }, `${what}: ${argv[0]} failed`);
      })
      .finally(() => {
        this.commandRunning = false;
      });
    return true;
  }
}

/** A job loop's alerts (--on-failure, --on-recovery, --ping); undefined when none is set. */
export function loopAlerts(sj: ScheduledJob, env: LoopEnv, log: Logger, record: () => RunRecord): RunAlerts | undefined {
  if (!sj.alerts) return undefined;
  return new RunAlerts(sj.tag, sj.alerts, {
    log,
    stop: env.stop,
    graceMs: env.graceMs,
    environment: env.environment,
    hostname: env.hostname,
    processes: recordGroups(env.store, sj.tag, record, log),
  });
}
