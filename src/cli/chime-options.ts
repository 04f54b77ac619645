import type { ConfigDefaults } from "../daemon/config-file.js";
import { OPTIONS } from "../daemon/daemon-options.js";
import { JobConfigError, type Environment } from "../jobs/job.js";
import type { LogFormat, LogStamp } from "../log/logger.js";
import { peekFlag, readOptions, type Options } from "../options/read-options.js";
import { pingUrlProblem } from "../daemon/health-ping.js";
import { commandWords } from "../jobs/command-words.js";
import { badValue } from "../options/bad-value.js";
import { die, EXIT_USAGE } from "./die.js";

export { OPTIONS };

/**
 * The daemon options, each from its flag, else its environment variable (for `envdir ./env`),
 * else its default — parsed once, here, into typed values that remember where they came from,
 * so every error names the setting and its source.
 */
export interface Setting<T> {
  readonly value: T;
  /** "--timeout", "CHIME_TIMEOUT (environment)", "default" */
  readonly source: string;
}

export interface ChimeOptions {
  /** --service: the run script says this is a service; never from the environment alone */
  service: boolean;
  when?: Setting<string>;
  config?: Setting<string>;
  name?: Setting<string>;
  stateDir: Setting<string>;
  timeoutMs?: Setting<number>;
  splayMs: Setting<number>;
  graceMs: Setting<number>;
  catchUp: Setting<boolean>;
  /** --at-start: one run when the service starts */
  atStart: Setting<boolean>;
  /** --retry N: retries after a critical/unknown run (0: none) */
  retries: Setting<number>;
  /** --retry-delay: the wait before the first retry, doubled for each later one */
  retryDelayMs: Setting<number>;
  /** --max-concurrent: start-up runs at once in one service (default: the CPUs) */
  maxConcurrent?: Setting<number>;
  allowRoot: Setting<boolean>;
  user?: Setting<string>;
  /** --on-failure CMD: argv (words split on spaces, no shell) after a run that did not end ok */
  onFailure?: Setting<string[]>;
  /** --on-recovery CMD: after the first ok run that follows a failure */
  onRecovery?: Setting<string[]>;
  /** --on-failure-every: --on-failure at most once per this while a job keeps failing */
  onFailureEveryMs: Setting<number>;
  /** --ping URL: healthchecks-style dead-man's switch */
  ping?: Setting<string>;
  /** Prometheus textfile with every job's run metrics (job-metrics.ts) */
  metricsFile?: Setting<string>;
  logFormat: Setting<LogFormat>;
  logStamp: Setting<LogStamp>;
  /** bytes of log lines that may wait for a slow reader before lines are dropped */
  logBufferBytes: Setting<number>;
  help: boolean;
  /** the words after the options: JOB ARG… or a subcommand */
  rest: string[];
  /**
   * Every declared option, read: a new daemon option needs only its declaration line in
   * daemon/daemon-options.ts and `opts.read.duration("its-name")` where it is used.
   */
  read: Options;
}

/**
 * The daemon's options (OPTIONS) from the words before JOB: flag, else environment variable,
 * else default. A bad value exits 100 naming it and its source.
 */
export function parseChimeOptions(argv: readonly string[], env: Environment): ChimeOptions {
  let o: Options;
  try {
    o = readOptions("", OPTIONS, { args: argv, env, stopAtPositional: true, usage: "see chime --help" });
  } catch (e) {
    if (e instanceof JobConfigError) die(EXIT_USAGE, e.message);
    throw e;
  }
  const setting = <T>(name: string, value: T): Setting<T> => ({ value, source: o.source(name) });
  const opts: ChimeOptions = {
    service: o.switch("service"),
    stateDir: setting("state-dir", o.text("state-dir")!),
    splayMs: setting("splay", o.duration("splay")),
    graceMs: setting("grace", o.duration("grace")),
    catchUp: setting("no-catch-up", !o.switch("no-catch-up")),
    allowRoot: setting("allow-root", o.switch("allow-root")),
    atStart: setting("at-start", o.switch("at-start")),
    retries: setting("retry", o.count("retry")),
    retryDelayMs: setting("retry-delay", o.duration("retry-delay")),
    onFailureEveryMs: setting("on-failure-every", o.duration("on-failure-every")),
    logFormat: setting("log-format", o.text("log-format") as LogFormat),
    logStamp: setting("log-stamp", o.text("log-stamp") as LogStamp),
    logBufferBytes: setting("log-buffer", o.size("log-buffer")),
    help: o.switch("help"),
    rest: o.positionals,
    read: o,
  };
  for (const name of ["when", "config", "name", "user", "metrics-file"] as const) {
    const v = o.text(name);
    if (v !== undefined) opts[name === "metrics-file" ? "metricsFile" : name] = setting(name, v);
  }
  if (o.has("timeout")) opts.timeoutMs = setting("timeout", o.duration("timeout"));
  if (o.has("max-concurrent")) opts.maxConcurrent = setting("max-concurrent", o.count("max-concurrent"));
  for (const [name, key] of [
    ["on-failure", "onFailure"],
    ["on-recovery", "onRecovery"],
  ] as const) {
    const v = o.text(name);
    if (v === undefined) continue;
    const argv = commandWords(v);
    if (argv.length === 0) die(EXIT_USAGE, badValue(o.source(name), "an empty command", v));
    opts[key] = setting(name, argv);
  }
  const ping = o.text("ping");
  if (ping !== undefined) {
    // the URL itself is a credential: the error never shows it
    const why = pingUrlProblem(ping);
    if (why !== undefined) die(EXIT_USAGE, `${o.source("ping")}: ${why}`);
    opts.ping = setting("ping", ping);
  }
  return opts;
}

/** What a config file's jobs take from the command line when they leave a field out. */
export function configDefaults(opts: ChimeOptions): ConfigDefaults {
  return {
    timeoutMs: opts.timeoutMs?.value,
    splayMs: opts.splayMs.value,
    splaySource: opts.splayMs.source,
    atStart: opts.atStart.value,
    retry: { retries: opts.retries.value, delayMs: opts.retryDelayMs.value },
    alerts: {
      onFailure: opts.onFailure?.value,
      onRecovery: opts.onRecovery?.value,
      failureEveryMs: opts.onFailureEveryMs.value,
      ping: opts.ping?.value,
    },
  };
}

/** Subcommands that talk to a person (or a script) on a terminal, not to a log. */
const UNLOGGED_COMMANDS: ReadonlySet<string> = new Set(["next", "status", "check", "install-service", "help"]);

/**
 * Whether chime's own stderr lines are stamped: whenever it is a service or runs a job (its
 * log is stamped; DESIGN.md §3 Logging), unless --log-stamp none / CHIME_LOG_STAMP=none
 * hands stamping to the logger. Decided before the options are parsed, so that an error in
 * them is stamped too; a word after the options is never mistaken for --log-stamp.
 */
export function stampsStderr(argv: readonly string[], env: Environment): boolean {
  if (argv[0] !== undefined && UNLOGGED_COMMANDS.has(argv[0])) return false;
  const stamp = peekFlag(OPTIONS, { args: argv, stopAtPositional: true }, "log-stamp") ?? env["CHIME_LOG_STAMP"];
  return stamp?.trim() !== "none";
}
