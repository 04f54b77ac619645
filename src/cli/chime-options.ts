import { OPTIONS } from "../daemon/daemon-options.js";
import { JobConfigError, type Environment } from "../jobs/job.js";
import type { LogFormat, LogStamp } from "../log/logger.js";
import { peekFlag, readOptions, type Options } from "../options/read-options.js";
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
  /** Prometheus textfile with every job's run metrics (job-metrics.ts) */
  metricsFile?: Setting<string>;
  logFormat: Setting<LogFormat>;
  logStamp: Setting<LogStamp>;
  /** bytes of log lines that may wait for a slow reader before lines are dropped */
  logBufferBytes: Setting<number>;
  help: boolean;
  /** the words after the options: JOB ARG… or a subcommand */
  rest: string[];
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
    logFormat: setting("log-format", o.text("log-format") as LogFormat),
    logStamp: setting("log-stamp", o.text("log-stamp") as LogStamp),
    logBufferBytes: setting("log-buffer", o.size("log-buffer")),
    help: o.switch("help"),
    rest: o.positionals,
  };
  for (const name of ["when", "config", "name", "user", "metrics-file"] as const) {
    const v = o.text(name);
    if (v !== undefined) opts[name === "metrics-file" ? "metricsFile" : name] = setting(name, v);
  }
  if (o.has("timeout")) opts.timeoutMs = setting("timeout", o.duration("timeout"));
  if (o.has("max-concurrent")) opts.maxConcurrent = setting("max-concurrent", o.count("max-concurrent"));
  return opts;
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
