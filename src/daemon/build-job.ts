import { badValue } from "../options/bad-value.js";
import { JobConfigError as ConfigError, type Environment, type JobSpec } from "../jobs/job.js";
import { isJobName, jobLoaders } from "../jobs/registry.js";
import { parseSchedule, ScheduleError, ScheduleRangeError, type Zone } from "../schedule/schedule.js";
import type { Instant } from "../time/instant.js";
import type { RetryPolicy } from "./retry-policy.js";
import type { AlertSettings } from "./run-alerts.js";
import { TAG_PATTERN, type ScheduledJob } from "./scheduled-job.js";

/**
 * A bad setting at start or reload; the message names the setting and where it came from. The
 * jobs layer's JobConfigError is the same condition (exit 100, refuse to start), so it is the
 * same class: one catch serves a job's options and the daemon's own.
 */
export { ConfigError };

export interface JobSettings {
  tag: string;
  jobName: string;
  args: readonly string[];
  when: string;
  timeoutMs?: number | undefined;
  splayMs: number;
  atStart?: boolean | undefined;
  retry?: RetryPolicy | undefined;
  /** IANA name, checked by the caller; undefined: TZ */
  zone?: Zone | undefined;
  /** --on-failure, --on-recovery, --ping */
  alerts?: AlertSettings | undefined;
}

/** How to name each setting in an error: `--when`, `config file F line N (jobs[2].when)`. */
export interface SettingNames {
  tag: string;
  job: string;
  args: string;
  when: string;
  splay?: string | undefined;
}

export async function loadSpec(jobName: string, where: string): Promise<JobSpec> {
  if (!isJobName(jobName)) {
    throw new ConfigError(badValue(where, `unknown job (jobs: ${Object.keys(jobLoaders).join(", ")})`, jobName));
  }
  return jobLoaders[jobName]!();
}

export async function buildScheduledJob(s: JobSettings, env: Environment, names: SettingNames): Promise<ScheduledJob> {
  if (!TAG_PATTERN.test(s.tag)) {
    throw new ConfigError(badValue(names.tag, 'use letters, digits, ".", "_" and "-" (at most 64)', s.tag));
  }
  let schedule;
  try {
    schedule = parseSchedule(s.when);
  } catch (e) {
    if (e instanceof ScheduleError) throw new ConfigError(badValue(names.when, e.message, s.when));
    throw e;
  }
  const spec = await loadSpec(s.jobName, names.job);
  let job;
  try {
    job = spec.create(s.args, env);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${e.message} (${names.args})`);
    throw e;
  }
  return {
    tag: s.tag,
    job,
    schedule,
    what: [s.jobName, ...s.args].map(quoteWord).join(" "),
    timeoutMs: s.timeoutMs,
    splayMs: s.splayMs,
    whenSource: names.when,
    splaySource: names.splay,
    ...(s.atStart ? { atStart: true } : {}),
    ...(s.retry && s.retry.retries > 0 ? { retry: s.retry } : {}),
    ...(s.zone !== undefined ? { zone: s.zone } : {}),
    ...(hasAlerts(s.alerts) ? { alerts: s.alerts } : {}),
    fingerprint: JSON.stringify([
      s.jobName,
      s.args,
      s.when,
      s.timeoutMs ?? null,
      s.splayMs,
      s.atStart === true,
      s.retry ?? null,
      s.zone?.name ?? null,
      hasAlerts(s.alerts) ? s.alerts : null,
    ]),
  };
}

/**
 * A schedule that parses but never matches again (`0 0 30 2 *`, `,y=2020`) is a configuration
 * error like a typo: refused at start (exit 100) and on reload, naming the setting, instead of
 * a job loop that stops at once.
 */
export function requireNextRun(jobs: readonly ScheduledJob[], zone: Zone, now: Instant): void {
  for (const sj of jobs) {
    if (sj.schedule.atStart) continue; // @reboot: no slots by design, one run at start
    try {
      sj.schedule.next(now, sj.zone ?? zone);
    } catch (e) {
      if (!(e instanceof ScheduleRangeError)) throw e;
      throw new ConfigError(badValue(sj.whenSource ?? sj.tag, "nothing matches within 400 years", sj.schedule.text));
    }
  }
}

function hasAlerts(a: AlertSettings | undefined): a is AlertSettings {
  return a !== undefined && (a.onFailure !== undefined || a.onRecovery !== undefined || a.ping !== undefined);
}

function quoteWord(w: string): string {
  return /^[\w./:@%+=,-]+$/.test(w) ? w : JSON.stringify(w);
}
