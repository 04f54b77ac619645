import { DEFAULT_GRACE_MS, type Environment } from "../jobs/job.js";
import { parseSwitch, SWITCH_WORDS } from "../jobs/switch-option.js";
import type { LogFormat, LogStamp } from "../log/logger.js";
import { DEFAULT_RETRY_DELAY_MS, MAX_RETRIES } from "../daemon/retry-policy.js";
import { parseDurationMs } from "../time/duration-option.js";
import { DEFAULT_FAILURE_EVERY_MS } from "../daemon/run-alerts.js";
import { pingUrlProblem } from "../daemon/health-ping.js";
import { commandWords } from "../jobs/command-words.js";
import { die, EXIT_USAGE } from "./die.js";

/**
 * The daemon options, each from its flag, else its environment variable (for `envdir ./env`),
 * else its default — parsed once, here, into typed values that remember where they came from,
 * so every error names the setting and its source.
 */
export interface Setting<T> {
  readonly value: T;
  /** "--timeout (flag)", "CHIME_TIMEOUT (environment)", "default" */
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
}

interface OptionDef {
  key: string;
  /** undefined: a flag only, on purpose (see --service) */
  env?: string;
  /** false: a switch (the env var takes yes/no) */
  takesValue: boolean;
}

export const OPTION_DEFS: Readonly<Record<string, OptionDef>> = {
  // No variable: envdir unsets CHIME_WHEN when its file is empty, and a service that fell
  // back to run-once mode would run its job at every restart. The run script says "service".
  "--service": { key: "service", takesValue: false },
  "--when": { key: "when", env: "CHIME_WHEN", takesValue: true },
  "--config": { key: "config", env: "CHIME_CONFIG", takesValue: true },
  "--name": { key: "name", env: "CHIME_NAME", takesValue: true },
  "--state-dir": { key: "stateDir", env: "CHIME_STATE_DIR", takesValue: true },
  "--timeout": { key: "timeout", env: "CHIME_TIMEOUT", takesValue: true },
  "--splay": { key: "splay", env: "CHIME_SPLAY", takesValue: true },
  "--grace": { key: "grace", env: "CHIME_GRACE", takesValue: true },
  "--no-catch-up": { key: "noCatchUp", env: "CHIME_NO_CATCH_UP", takesValue: false },
  "--at-start": { key: "atStart", env: "CHIME_AT_START", takesValue: false },
  "--retry": { key: "retry", env: "CHIME_RETRY", takesValue: true },
  "--retry-delay": { key: "retryDelay", env: "CHIME_RETRY_DELAY", takesValue: true },
  "--max-concurrent": { key: "maxConcurrent", env: "CHIME_MAX_CONCURRENT", takesValue: true },
  "--allow-root": { key: "allowRoot", env: "CHIME_ALLOW_ROOT", takesValue: false },
  "--user": { key: "user", env: "CHIME_USER", takesValue: true },
  "--log-format": { key: "logFormat", env: "CHIME_LOG_FORMAT", takesValue: true },
  "--log-stamp": { key: "logStamp", env: "CHIME_LOG_STAMP", takesValue: true },
  "--log-buffer": { key: "logBuffer", env: "CHIME_LOG_BUFFER", takesValue: true },
  "--metrics-file": { key: "metricsFile", env: "CHIME_METRICS_FILE", takesValue: true },
  "--on-failure": { key: "onFailure", env: "CHIME_ON_FAILURE", takesValue: true },
  "--on-recovery": { key: "onRecovery", env: "CHIME_ON_RECOVERY", takesValue: true },
  "--on-failure-every": { key: "onFailureEvery", env: "CHIME_ON_FAILURE_EVERY", takesValue: true },
  "--ping": { key: "ping", env: "CHIME_PING", takesValue: true },
};

export const DEFAULT_LOG_BUFFER_BYTES = 1 << 20;

/** --max-concurrent's upper bound: beyond it the gate is no gate */
const MAX_CONCURRENT = 1000;

function bad(_name: string, value: string, source: string, why: string): never {
  die(EXIT_USAGE, `bad value ${JSON.stringify(value)} for ${source}: ${why}`);
}

export function parseChimeOptions(argv: readonly string[], env: Environment): ChimeOptions {
  const flags = new Map<string, string | true>();
  let help = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--help" || word === "-h") {
      help = true;
      continue;
    }
    if (!word.startsWith("-") || word === "-") break;
    if (word === "--") {
      i++;
      break;
    }
    const eq = word.indexOf("=");
    const flag = eq === -1 ? word : word.slice(0, eq);
    const def = OPTION_DEFS[flag];
    if (!def) die(EXIT_USAGE, `unknown option ${flag} (flag); see chime --help`);
    if (!def.takesValue) {
      if (eq !== -1) die(EXIT_USAGE, `option ${flag} takes no value (flag)`);
      flags.set(def.key, true);
      continue;
    }
    let value: string | undefined;
    if (eq !== -1) value = word.slice(eq + 1);
    else value = argv[++i];
    if (value === undefined) die(EXIT_USAGE, `option ${flag} needs a value (flag)`);
    flags.set(def.key, value);
  }

  /** the raw text and its source, flag first, then the environment (an empty variable is unset) */
  const raw = (flag: string): { text: string | true; source: string } | undefined => {
    const def = OPTION_DEFS[flag]!;
    const f = flags.get(def.key);
    if (f !== undefined) return { text: f, source: `${flag} (flag)` };
    const e = def.env === undefined ? undefined : env[def.env];
    if (e !== undefined && e !== "") return { text: e, source: `${def.env} (environment)` };
    return undefined;
  };
  const text = (flag: string): Setting<string> | undefined => {
    const r = raw(flag);
    return r && typeof r.text === "string" ? { value: r.text, source: r.source } : undefined;
  };
  const duration = (flag: string): Setting<number> | undefined => {
    const r = text(flag);
    if (!r) return undefined;
    const ms = parseDurationMs(r.value);
    if (ms === null) bad(flag, r.value, r.source, "not a duration like 90s, 5m, 1h (a bare number is seconds)");
    return { value: ms, source: r.source };
  };
  const bytes = (flag: string): Setting<number> | undefined => {
    const r = text(flag);
    if (!r) return undefined;
    const m = /^(\d+)([kKmM]?)$/.exec(r.value);
    const n = m ? Number(m[1]) * (m[2] === "" ? 1 : /k/i.test(m[2]!) ? 1024 : 1 << 20) : NaN;
    if (!(n >= 4096 && n <= 1 << 30)) bad(flag, r.value, r.source, "expected a size from 4096 to 1G bytes, like 65536, 256k or 4M");
    return { value: n, source: r.source };
  };
  const toggle = (flag: string): Setting<boolean> => {
    const r = raw(flag);
    if (!r) return { value: false, source: "default" };
    if (r.text === true) return { value: true, source: r.source };
    const on = parseSwitch(r.text);
    if (on === null) bad(flag, r.text, r.source, `expected ${SWITCH_WORDS}`);
    return { value: on, source: r.source };
  };
  const count = (flag: string, min: number, max: number): Setting<number> | undefined => {
    const r = text(flag);
    if (!r) return undefined;
    const n = /^[0-9]+$/.test(r.value) ? Number(r.value) : NaN;
    if (!(n >= min && n <= max)) bad(flag, r.value, r.source, `expected a whole number from ${min} to ${max}`);
    return { value: n, source: r.source };
  };
  const oneOf = <T extends string>(flag: string, allowed: readonly T[], dflt: T): Setting<T> => {
    const r = text(flag);
    if (!r) return { value: dflt, source: "default" };
    if (!(allowed as readonly string[]).includes(r.value)) bad(flag, r.value, r.source, `expected ${allowed.join(" or ")}`);
    return { value: r.value as T, source: r.source };
  };

  const command = (flag: string): Setting<string[]> | undefined => {
    const r = text(flag);
    if (!r) return undefined;
    const argv = commandWords(r.value);
    if (argv.length === 0) bad(flag, r.value, r.source, "an empty command");
    return { value: argv, source: r.source };
  };
  const pingUrl = (flag: string): Setting<string> | undefined => {
    const r = text(flag);
    if (!r) return undefined;
    // the URL itself is a credential: errors never show it
    const why = pingUrlProblem(r.value);
    if (why !== undefined) die(EXIT_USAGE, `bad value for ${r.source}: ${why}`);
    return r;
  };

  const opts: ChimeOptions = {
    service: flags.get("service") === true,
    stateDir: text("--state-dir") ?? { value: "./state", source: "default" },
    splayMs: duration("--splay") ?? { value: 0, source: "default" },
    graceMs: duration("--grace") ?? { value: DEFAULT_GRACE_MS, source: "default" },
    catchUp: { value: !toggle("--no-catch-up").value, source: toggle("--no-catch-up").source },
    allowRoot: toggle("--allow-root"),
    atStart: toggle("--at-start"),
    retries: count("--retry", 0, MAX_RETRIES) ?? { value: 0, source: "default" },
    retryDelayMs: duration("--retry-delay") ?? { value: DEFAULT_RETRY_DELAY_MS, source: "default" },
    onFailureEveryMs: duration("--on-failure-every") ?? { value: DEFAULT_FAILURE_EVERY_MS, source: "default" },
    logFormat: oneOf<LogFormat>("--log-format", ["text", "json"], "text"),
    logStamp: oneOf<LogStamp>("--log-stamp", ["tai64n", "none"], "tai64n"),
    logBufferBytes: bytes("--log-buffer") ?? { value: DEFAULT_LOG_BUFFER_BYTES, source: "default" },
    help,
    rest: argv.slice(i),
  };
  const optional = {
    when: text("--when"),
    config: text("--config"),
    name: text("--name"),
    user: text("--user"),
    metricsFile: text("--metrics-file"),
    onFailure: command("--on-failure"),
    onRecovery: command("--on-recovery"),
    ping: pingUrl("--ping"),
    timeoutMs: duration("--timeout"),
    maxConcurrent: count("--max-concurrent", 1, MAX_CONCURRENT),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (opts as unknown as Record<string, unknown>)[k] = v;
  if (opts.stateDir.value === "") bad("--state-dir", "", opts.stateDir.source, "must not be empty");
  const retryDelay = text("--retry-delay");
  if (retryDelay && opts.retryDelayMs.value <= 0) bad("--retry-delay", retryDelay.value, retryDelay.source, "must be longer than 0s");
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
  let stamp = env["CHIME_LOG_STAMP"];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === "--" || !word.startsWith("-")) break;
    if (word === "--log-stamp") stamp = argv[++i];
    else if (word.startsWith("--log-stamp=")) stamp = word.slice("--log-stamp=".length);
    else if (OPTION_DEFS[word]?.takesValue) i++;
  }
  return stamp?.trim() !== "none";
}

