import { DEFAULT_GRACE_MS } from "../jobs/job.js";
import { DEFAULT_CAP_BYTES } from "../log/line-sink.js";
import type { OptionSpec } from "../options/option-spec.js";
import { formatSizeBytes } from "../options/size-option.js";
import { durationWords } from "../time/duration-option.js";
import { DEFAULT_RETRY_DELAY_MS, MAX_RETRIES } from "./retry-policy.js";
import { DEFAULT_FAILURE_EVERY_MS } from "./run-alerts.js";

/*
 * The daemon's own options, declared once: the command line and envdir read them
 * (cli/chime-options.ts), a config file's job fields are checked by the same declarations
 * (config-file.ts), and chime --help and docs/chime.md show them. Defaults that code elsewhere
 * also needs (the grace, the retry delay, the log buffer) are those modules' constants, written
 * here in a user's words.
 */

/** Where run records live; `chime status` reads the same declaration. */
export const STATE_DIR_OPTION: OptionSpec = {
  name: "state-dir",
  kind: "text",
  value: "DIR",
  env: "CHIME_STATE_DIR",
  default: "./state",
  help: "where run records live",
  doc: "where run records and each job's private state live",
};

/** --max-concurrent's upper bound: beyond it the gate is no gate */
const MAX_CONCURRENT = 1000;

export const OPTIONS: readonly OptionSpec[] = [
  // No variable: envdir unsets CHIME_WHEN when its file is empty, and a service that fell
  // back to run-once mode would run its job at every restart. The run script says "service".
  {
    name: "service",
    kind: "switch",
    help: "this is a service: refuse to start without a schedule (--when/CHIME_WHEN or --config)",
    doc: "this is a service: with no `--when`/`CHIME_WHEN` and no `--config`, refuse to start (exit 100) instead of running the job once. Run scripts always pass it. No variable on purpose: an empty `env/CHIME_WHEN` must not turn a service into a job run at every restart",
  },
  {
    name: "when",
    kind: "text",
    value: "SCHEDULE",
    env: "CHIME_WHEN",
    help: 'runwhen constraints (",M=0") or a cron expression; makes chime a service',
    doc: "runwhen constraints (`,M=0`) or a cron expression (`*/5 * * * *`); makes chime a service (absent: run once)",
  },
  {
    name: "config",
    kind: "text",
    value: "FILE",
    env: "CHIME_CONFIG",
    help: "JSON file with several jobs (docs/chime.md)",
    doc: "JSON file with several jobs (below); makes chime a service",
  },
  {
    name: "name",
    kind: "text",
    value: "NAME",
    env: "CHIME_NAME",
    help: "log tag and state file name (default: the job name)",
    doc: "the job's log tag and state file name (default: the job name)",
  },
  STATE_DIR_OPTION,
  { name: "timeout", kind: "duration", env: "CHIME_TIMEOUT", help: "abort a run after DURATION (default: no limit)" },
  {
    name: "splay",
    kind: "duration",
    env: "CHIME_SPLAY",
    default: "0s",
    help: "stable per-host, per-job delay in [0, DURATION); shorter than the schedule's interval",
    doc: "run each slot later by a stable per-host, per-job delay in [0, DURATION); shorter than the schedule's shortest interval",
  },
  {
    name: "grace",
    kind: "duration",
    env: "CHIME_GRACE",
    default: durationWords(DEFAULT_GRACE_MS),
    help: "on TERM/INT/timeout: wait this long before KILL",
    doc: "after TERM to a job's processes (stop, timeout), wait this long before KILL",
  },
  { name: "no-catch-up", kind: "switch", env: "CHIME_NO_CATCH_UP", help: "no catch-up run at start after downtime" },
  {
    name: "at-start",
    kind: "switch",
    env: "CHIME_AT_START",
    help: "one run when the service starts (the catch-up run, if one is due); @reboot means the same",
    doc: "one run when the service starts, before waiting for the first slot; if a catch-up run is due, that run is the at-start run (never both). `@reboot` as the schedule means the same, with no slots after it",
  },
  {
    name: "retry",
    kind: "count",
    env: "CHIME_RETRY",
    default: "0",
    min: 0,
    max: MAX_RETRIES,
    help: "rerun a critical/unknown run up to N times",
    doc: "rerun a run that ended `critical` or `unknown` up to N more times (0 … 100); `warning` is not retried",
  },
  {
    name: "retry-delay",
    kind: "duration",
    env: "CHIME_RETRY_DELAY",
    default: durationWords(DEFAULT_RETRY_DELAY_MS),
    min: 1,
    help: "first wait before a retry, doubled each time, jittered, at most 1h; the next slot wins",
    doc: "the wait before the first retry; each later one doubles, jittered into [½, 1] of it, at most **1 h**; the next slot wins",
  },
  {
    name: "max-concurrent",
    kind: "count",
    env: "CHIME_MAX_CONCURRENT",
    min: 1,
    max: MAX_CONCURRENT,
    help: "start-up runs (catch-up, at-start) at once in one service (default: the number of CPUs)",
    doc: "start-up runs (catch-up and at-start) going on at once in one service; the others queue, earliest planned first (1 … 1000; default: the number of CPUs)",
  },
  { name: "allow-root", kind: "switch", env: "CHIME_ALLOW_ROOT", help: "let a service run its jobs as root" },
  {
    name: "user",
    kind: "text",
    value: "NAME",
    env: "CHIME_USER",
    help: "become NAME (uid, gid, groups) before any job runs",
    doc: "become NAME (uid, gid and groups) before any job runs; needs root",
  },
  {
    name: "metrics-file",
    kind: "text",
    value: "FILE",
    env: "CHIME_METRICS_FILE",
    help: "Prometheus textfile with every job's last run, status, duration, runs by status and next run",
    doc: "a Prometheus textfile (node_exporter's textfile collector) with every job's run metrics, below",
  },
  {
    name: "on-failure",
    kind: "text",
    value: "CMD",
    env: "CHIME_ON_FAILURE",
    help: "run CMD (no shell; words split on spaces) after a run that ends warning/critical/unknown; job, status and summary in CHIME_* variables, output tail on stdin",
    doc: "run CMD (no shell; words split on spaces) after a run that ends `warning`, `critical` or `unknown` (after its retries); see Alerts below",
  },
  {
    name: "on-failure-every",
    kind: "duration",
    env: "CHIME_ON_FAILURE_EVERY",
    default: durationWords(DEFAULT_FAILURE_EVERY_MS),
    // 0s: every failing run alerts
    min: 0,
    help: "--on-failure at most once per DURATION while a job keeps failing",
    doc: "while a job keeps failing, `--on-failure` runs at most once per DURATION (a new failure after an ok run alerts at once)",
  },
  {
    name: "on-recovery",
    kind: "text",
    value: "CMD",
    env: "CHIME_ON_RECOVERY",
    help: "run CMD after the first ok run that follows a failure",
  },
  {
    name: "ping",
    kind: "text",
    value: "URL",
    env: "CHIME_PING",
    help: "healthchecks.io-style pings: URL/start, URL on ok, URL/EXIT or URL/fail on failure (output tail as body)",
    doc: "a dead-man's switch speaking the healthchecks.io protocol: `URL/start`, `URL`, `URL/EXIT-STATUS` or `URL/fail`",
  },
  {
    name: "log-format",
    kind: "text",
    choices: ["text", "json"],
    env: "CHIME_LOG_FORMAT",
    default: "text",
    help: "one text line per event, or JSON lines",
    doc: "line format ([logging.md](logging.md))",
  },
  {
    name: "log-stamp",
    kind: "text",
    choices: ["tai64n", "none"],
    env: "CHIME_LOG_STAMP",
    default: "tai64n",
    help: "none for multilog t / svlogd -t",
    doc: "stamp lines with a TAI64N label, or leave it to `multilog t` / `svlogd -t`",
  },
  {
    name: "log-buffer",
    kind: "size",
    env: "CHIME_LOG_BUFFER",
    default: formatSizeBytes(DEFAULT_CAP_BYTES),
    min: 4096,
    max: 1024 ** 3,
    help: "log bytes held for a slow reader before lines are dropped and counted",
    doc: "log bytes held for a slow reader before lines are dropped and counted (`65536`, `256K`, `4M`; 4K … 1G)",
  },
  {
    name: "help",
    kind: "switch",
    short: "h",
    help: "this text (chime JOB --help: the job's own options)",
    doc: "this text; `chime JOB --help`: the job's own options",
  },
];
